// Reading {"token": id, ...} vocabularies (WordPiece, BPE, WordLevel).
#include <cstdint>

#include "core/quote.h"
#include "tokenizer/limits.h"
#include "tokenizer/models/models.h"

namespace attnscope::tokenizer {

Vocab read_vocab(const JsonNode& node) {
  if (!node.is_object()) node.fail("expected an object {token: id}, got " + node.brief());
  check_vocab_entries(node, node.raw().size());
  Vocab vocab;
  vocab.token_to_id.reserve(node.raw().size());
  int64_t max_id = -1;
  for (const auto& item : node.raw().items()) {
    const std::string& token = item.key();  // named, not a structured binding: lambdas use them
    const nlohmann::json& id_json = item.value();
    auto entry = [&] {
      return JsonNode(id_json, node.file(), node.path() + "[" + quote(token) + "]");
    };
    if (!id_json.is_number_integer())
      entry().fail("expected an integer id, got " + entry().brief());
    if (token.size() > static_cast<size_t>(limits::kMaxTokenBytes))
      check_token_length(entry(), token);
    const int64_t id =
        id_json.is_number_unsigned() && id_json.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
            ? INT64_MAX
            : id_json.get<int64_t>();
    if (id < 0 || id >= limits::kMaxVocabSize) check_token_id(entry(), id);
    vocab.token_to_id[token] = static_cast<int32_t>(id);
    max_id = std::max(max_id, id);
  }
  vocab.id_to_token.resize(static_cast<size_t>(max_id + 1));
  for (const auto& [token, id] : vocab.token_to_id) vocab.id_to_token[id] = token;
  return vocab;
}

}  // namespace attnscope::tokenizer
