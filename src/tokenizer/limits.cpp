#include "tokenizer/limits.h"

#include "core/quote.h"

namespace attnscope::tokenizer {

void check_token_id(const JsonNode& where, int64_t id) {
  if (id < 0 || id >= limits::kMaxVocabSize) {
    where.fail("is id " + std::to_string(id) + "; token ids must be in [0, " +
               std::to_string(limits::kMaxVocabSize) + ")");
  }
}

void check_vocab_entries(const JsonNode& where, size_t count) {
  if (count > static_cast<size_t>(limits::kMaxVocabSize)) {
    where.fail("has " + std::to_string(count) + " entries; the limit is " +
               std::to_string(limits::kMaxVocabSize));
  }
}

void check_token_length(const JsonNode& where, std::string_view token) {
  if (token.size() > static_cast<size_t>(limits::kMaxTokenBytes)) {
    where.fail("holds a token of " + std::to_string(token.size()) + " bytes (" + quote(token, 20) +
               "); the limit is " + std::to_string(limits::kMaxTokenBytes));
  }
}

}  // namespace attnscope::tokenizer
