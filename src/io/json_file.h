// Reading JSON files (config.json, tokenizer.json, index files) with errors that say where the
// problem is: IoError when the file cannot be read, FormatError with the byte offset when it is
// not valid JSON. Duplicate keys follow Python's json module (the last one wins), so a file that
// Hugging Face loads loads here too.
//
//   nlohmann::json config = load_json_file(dir / "config.json");
//   int layers = config.at("num_hidden_layers").get<int>();
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace attnscope {

// Parses a whole file. Throws IoError (unreadable) or FormatError (invalid JSON, with offset).
nlohmann::json load_json_file(const std::string& path);

// Parses `text` that came from `source` (a file name, used in error messages).
nlohmann::json parse_json_text(std::string_view text, const std::string& source);

// Turns an exception thrown while parsing into a FormatError for `source`: parse errors carry
// the byte offset (`base_offset` = where the parsed text starts in the file, e.g. 8 for a
// safetensors header); others (a number too large for a double) carry none.
FormatError json_format_error(const std::string& source, const nlohmann::json::parse_error& error,
                              int64_t base_offset = 0);
FormatError json_format_error(const std::string& source, const nlohmann::json::exception& error);

}  // namespace attnscope
