// Folders without tokenizer.json, converted the way transformers' AutoTokenizer builds a fast
// tokenizer from the slow one's files: the result is a tokenizer.json tree for Pipeline.
//   vocab.txt (+ tokenizer_config.json do_lower_case, strip_accents, tokenize_chinese_chars)
//     -> BertNormalizer + BertPreTokenizer + WordPiece + [CLS] $A [SEP]
//   vocab.json + merges.txt (+ tokenizer_config.json add_prefix_space, add_bos_token,
//     tokenizer_class) -> ByteLevel + BPE; RoBERTa-style (<s> $A </s>) when the config or
//     config.json says roberta/bart/longformer.
//
//   nlohmann::json json = wordpiece_tokenizer_json("models/bert-base-uncased");
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace attnscope::tokenizer {

nlohmann::json wordpiece_tokenizer_json(const std::filesystem::path& folder);
nlohmann::json byte_level_bpe_tokenizer_json(const std::filesystem::path& folder);

// tokenizer_config.json of `folder` as an object ({} when absent).
nlohmann::json read_tokenizer_config(const std::filesystem::path& folder);
// A special-token field that may be "text" or {"content": "text", ...}; nullopt when absent.
std::optional<std::string> config_token(const nlohmann::json& config, const std::string& key);

// Reads a text file (IoError when it cannot be read).
std::string read_text_file(const std::filesystem::path& file);

}  // namespace attnscope::tokenizer
