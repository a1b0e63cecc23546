// WordLevel: each word is one vocabulary entry, or the unknown token.
#include "core/error.h"
#include "core/quote.h"
#include "tokenizer/models/models.h"

namespace attnscope::tokenizer {

namespace {

class WordLevel : public Model {
 public:
  explicit WordLevel(const JsonNode& node) : vocab_(read_vocab(node.at("vocab"))) {
    unk_token_ = node.get_or("unk_token", "<unk>");
    unk_id_ = vocab_.find(unk_token_).value_or(-1);
  }

  void tokenize(std::string_view word, std::vector<Token>& out) const override {
    if (word.empty()) return;
    const auto len = static_cast<uint32_t>(word.size());
    if (auto id = vocab_.find(word)) {
      out.push_back({*id, std::string(word), 0, len});
    } else if (unk_id_ >= 0) {
      out.push_back({unk_id_, unk_token_, 0, len});
    } else {
      throw InputError("WordLevel: " + quote(std::string(word)) +
                       " is not in the vocabulary and unk_token " + quote(unk_token_) +
                       " is not either");
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
  int32_t unk_id_ = -1;
};

}  // namespace

std::unique_ptr<Model> make_wordlevel_model(const JsonNode& node) {
  return std::make_unique<WordLevel>(node);
}

}  // namespace attnscope::tokenizer
