// The tokenizer side of core/limits.h: checks of vocabulary sizes, ids and piece lengths read
// from tokenizer files, each a FormatError naming the file and JSON path (JsonNode::fail), so a
// tokenizer.json declaring id 2^26 or a 1 MB piece is refused before a table is sized from it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/limits.h"
#include "tokenizer/json_reader.h"

namespace attnscope::tokenizer {

// 0 <= id < limits::kMaxVocabSize.
void check_token_id(const JsonNode& where, int64_t id);
// At most limits::kMaxVocabSize entries.
void check_vocab_entries(const JsonNode& where, size_t count);
// A vocabulary entry / piece of at most limits::kMaxTokenBytes bytes.
void check_token_length(const JsonNode& where, std::string_view token);

}  // namespace attnscope::tokenizer
