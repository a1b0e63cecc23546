// Unigram: Viterbi search for the most likely segmentation under the piece log-probabilities;
// characters no piece covers become the unknown token (fused into runs), or byte tokens with
// byte_fallback.
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "tokenizer/models/models.h"

namespace attnscope::tokenizer {

namespace {

constexpr double kUnknownPenalty = 10.0;

class Unigram : public Model {
 public:
  explicit Unigram(const JsonNode& node) {
    const JsonNode vocab = node.at("vocab");
    const auto entries = vocab.elements();
    pieces_.reserve(entries.size());
    scores_.reserve(entries.size());
    ids_.reserve(entries.size());
    children_.reserve(entries.size() * 2);
    terminal_.push_back(-1);
    for (size_t i = 0; i < entries.size(); ++i) {
      const JsonNode& e = entries[i];
      if (!e.is_array() || e.size() != 2) e.fail("expected [piece, score], got " + e.brief());
      const std::string piece = e.at(size_t{0}).as_string();
      const double score = e.at(size_t{1}).as_double();
      pieces_.push_back(piece);
      scores_.push_back(score);
      ids_.emplace(piece, static_cast<int32_t>(i));
      min_score_ = std::min(min_score_, score);
      insert(piece, static_cast<int32_t>(i));
    }
    if (node.has("unk_id")) {
      unk_id_ = node.at("unk_id").as_int();
      if (unk_id_ < 0 || unk_id_ >= static_cast<int64_t>(pieces_.size())) {
        node.at("unk_id").fail("= " + std::to_string(unk_id_) + " is outside the vocabulary");
      }
    }
    byte_fallback_ = node.get_or("byte_fallback", false);
    fuse_unk_ = node.get_or("fuse_unk", true);
  }

  void tokenize(std::string_view sentence, std::vector<Token>& out) const override {
    if (sentence.empty()) return;
    struct Best {
      int64_t id = -1;
      double score = 0.0;
      int64_t starts_at = -1;
    };
    const size_t size = sentence.size();
    const double unk_score = min_score_ - kUnknownPenalty;
    std::vector<Best> best(size + 1);
    size_t start = 0;
    while (start < size) {
      const double base = best[start].score;
      const size_t char_len =
          std::min(unicode::utf8_length(static_cast<unsigned char>(sentence[start])), size - start);
      bool has_single = false;
      int32_t node = 0;
      for (size_t pos = start; pos < size; ++pos) {
        node = child(node, static_cast<unsigned char>(sentence[pos]));
        if (node < 0) break;
        const int32_t id = terminal_[node];
        if (id < 0) continue;
        Best& target = best[pos + 1];
        const double candidate = base + scores_[id];
        if (target.starts_at < 0 || candidate > target.score) {
          target = {id, candidate, static_cast<int64_t>(start)};
        }
        if (pos + 1 - start == char_len) has_single = true;
      }
      if (!has_single) {
        if (unk_id_ < 0) {
          throw InputError("Unigram: no piece covers \"" +
                           std::string(sentence.substr(start, char_len)) +
                           "\" and the model has no unk_id");
        }
        Best& target = best[start + char_len];
        const double candidate = base + unk_score;
        if (target.starts_at < 0 || candidate > target.score) {
          target = {unk_id_, candidate, static_cast<int64_t>(start)};
        }
      }
      start += char_len;
    }
    // Walk back, fusing runs of unknowns.
    std::vector<std::pair<size_t, size_t>> spans;  // [piece] byte range, reversed
    std::vector<bool> unknown;
    size_t end = size;
    while (end > 0) {
      const Best& node = best[end];
      const auto begin = static_cast<size_t>(node.starts_at);
      const bool is_unk = node.id == unk_id_;
      if (is_unk && fuse_unk_ && !unknown.empty() && unknown.back()) {
        spans.back().first = begin;
      } else {
        spans.push_back({begin, end});
        unknown.push_back(is_unk);
      }
      end = begin;
    }
    for (size_t k = spans.size(); k-- > 0;) {
      const auto [b, e] = spans[k];
      const std::string text(sentence.substr(b, e - b));
      auto it = ids_.find(text);
      if (it != ids_.end()) {
        out.push_back({it->second, text, static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
        continue;
      }
      if (byte_fallback_ && push_bytes(text, b, e, out)) continue;
      out.push_back({unk_id_, text, static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
    }
  }

  std::optional<int64_t> token_to_id(std::string_view token) const override {
    auto it = ids_.find(token);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> id_to_token(int64_t id) const override {
    if (id < 0 || id >= static_cast<int64_t>(pieces_.size())) return std::nullopt;
    return pieces_[id];
  }
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }

 private:
  bool push_bytes(const std::string& text, size_t b, size_t e, std::vector<Token>& out) const {
    std::vector<Token> bytes;
    for (char ch : text) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", static_cast<unsigned char>(ch));
      auto it = ids_.find(std::string_view(name));
      if (it == ids_.end()) return false;
      bytes.push_back({it->second, name, static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
    }
    out.insert(out.end(), bytes.begin(), bytes.end());
    return true;
  }

  int32_t child(int32_t node, unsigned char byte) const {
    auto it = children_.find((static_cast<uint64_t>(node) << 8) | byte);
    return it == children_.end() ? -1 : it->second;
  }

  void insert(const std::string& piece, int32_t id) {
    int32_t node = 0;
    for (char ch : piece) {
      const uint64_t key = (static_cast<uint64_t>(node) << 8) | static_cast<unsigned char>(ch);
      auto it = children_.find(key);
      if (it == children_.end()) {
        const auto next = static_cast<int32_t>(terminal_.size());
        terminal_.push_back(-1);
        children_.emplace(key, next);
        node = next;
      } else {
        node = it->second;
      }
    }
    if (terminal_[node] < 0) terminal_[node] = id;
  }

  std::vector<std::string> pieces_;
  std::vector<double> scores_;
  TokenIdMap ids_;
  std::unordered_map<uint64_t, int32_t> children_;  // (node << 8 | byte) -> node
  std::vector<int32_t> terminal_;                   // [node] piece id or -1
  double min_score_ = std::numeric_limits<double>::infinity();
  int64_t unk_id_ = -1;
  bool byte_fallback_ = false;
  bool fuse_unk_ = true;
};

}  // namespace

std::unique_ptr<Model> make_unigram_model(const JsonNode& node) {
  return std::make_unique<Unigram>(node);
}

}  // namespace attnscope::tokenizer
