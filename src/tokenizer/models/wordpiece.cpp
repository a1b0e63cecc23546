// WordPiece: greedy longest-match-first over each word, continuation pieces prefixed "##"; a
// word with no full cover (or longer than max_input_chars_per_word) becomes the unknown token.
#include "core/error.h"
#include "core/quote.h"
#include "tokenizer/models/models.h"

namespace attnscope::tokenizer {

namespace {

class WordPiece : public Model {
 public:
  explicit WordPiece(const JsonNode& node) : vocab_(read_vocab(node.at("vocab"))) {
    unk_token_ = node.get_or("unk_token", "[UNK]");
    prefix_ = node.get_or("continuing_subword_prefix", "##");
    max_chars_ = node.get_or("max_input_chars_per_word", int64_t{100});
    const auto unk = vocab_.find(unk_token_);
    if (!unk) node.at("unk_token").fail("= " + quote(unk_token_) + " is not in model.vocab");
    unk_id_ = *unk;
  }

  void tokenize(std::string_view word, std::vector<Token>& out) const override {
    if (word.empty()) return;
    const auto word_len = static_cast<uint32_t>(word.size());
    if (static_cast<int64_t>(unicode::count_code_points(word)) > max_chars_) {
      out.push_back({unk_id_, unk_token_, 0, word_len});
      return;
    }
    const size_t first = out.size();
    std::string candidate;
    size_t start = 0;
    while (start < word.size()) {
      size_t end = word.size();
      bool found = false;
      while (start < end) {
        std::string_view piece = word.substr(start, end - start);
        if (start > 0) {
          candidate.assign(prefix_);
          candidate.append(piece);
          piece = candidate;
        }
        if (auto id = vocab_.find(piece)) {
          out.push_back(
              {*id, std::string(piece), static_cast<uint32_t>(start), static_cast<uint32_t>(end)});
          found = true;
          break;
        }
        // Drop the last character.
        --end;
        while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;
      }
      if (!found) {
        out.resize(first);
        out.push_back({unk_id_, unk_token_, 0, word_len});
        return;
      }
      start = end;
    }
  }

  std::optional<int64_t> token_to_id(std::string_view token) const override {
    auto id = vocab_.find(token);
    if (!id) return std::nullopt;
    return *id;
  }
  std::optional<std::string> id_to_token(int64_t id) const override {
    if (id < 0 || id >= static_cast<int64_t>(vocab_.id_to_token.size())) return std::nullopt;
    return vocab_.id_to_token[id];
  }
  int64_t vocab_size() const override { return static_cast<int64_t>(vocab_.token_to_id.size()); }

 private:
  Vocab vocab_;
  std::string unk_token_;
  int32_t unk_id_ = 0;
  std::string prefix_;
  int64_t max_chars_ = 100;
};

}  // namespace

std::unique_ptr<Model> make_wordpiece_model(const JsonNode& node) {
  return std::make_unique<WordPiece>(node);
}

}  // namespace attnscope::tokenizer
