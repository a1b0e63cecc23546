// Constructors of the pre-tokenizer components (one per file in this folder), used by
// registry.cpp. Each takes the component's JSON object.
#pragma once

#include <memory>

#include "tokenizer/components.h"

namespace attnscope::tokenizer {

// GPT-2's split regex, used by ByteLevel with use_regex.
inline constexpr const char* kGpt2SplitRegex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Rewrites every byte as its byte-level alphabet character, aligned with its source character.
void map_to_byte_level(NormalizedString& s);

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer();
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(const JsonNode& node);
std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(const JsonNode& node);
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(const JsonNode& node);
std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer();
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer();
std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(const JsonNode& node);
std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(const JsonNode& node);
std::unique_ptr<PreTokenizer> make_char_delimiter_pre_tokenizer(const JsonNode& node);
std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(const JsonNode& node);

}  // namespace attnscope::tokenizer
