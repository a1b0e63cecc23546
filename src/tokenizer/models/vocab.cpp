// Reading {"token": id, ...} vocabularies (WordPiece, BPE, WordLevel).
#include "tokenizer/models/models.h"

namespace attnscope::tokenizer {

Vocab read_vocab(const JsonNode& node) {
  if (!node.is_object()) node.fail("expected an object {token: id}, got " + node.brief());
  constexpr int64_t kMaxVocab = 1 << 26;
  Vocab vocab;
  vocab.token_to_id.reserve(node.raw().size());
  int64_t max_id = -1;
  for (const auto& [token, id_json] : node.raw().items()) {
    if (!id_json.is_number_integer()) {
      JsonNode(id_json, node.file(), node.path() + "[\"" + token + "\"]")
          .fail("expected an integer id, got " + std::string(id_json.type_name()));
    }
    const int64_t id = id_json.get<int64_t>();
    if (id < 0 || id >= kMaxVocab) {
      node.fail("token \"" + token + "\" has id " + std::to_string(id) + "; expected 0 <= id < " +
                std::to_string(kMaxVocab));
    }
    vocab.token_to_id[token] = static_cast<int32_t>(id);
    max_id = std::max(max_id, id);
  }
  vocab.id_to_token.resize(static_cast<size_t>(max_id + 1));
  for (const auto& [token, id] : vocab.token_to_id) vocab.id_to_token[id] = token;
  return vocab;
}

}  // namespace attnscope::tokenizer
