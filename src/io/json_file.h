// Reading JSON files (config.json, tokenizer.json, index files, attention-file metadata, .jsonl
// lines) with errors that say where the problem is: IoError when the file cannot be read,
// FormatError with the byte offset when it is not valid JSON. Every JSON text attnscope reads
// goes through parse_json_text(), which enforces the rules of a hostile file:
//   - nesting deeper than limits::kMaxJsonDepth is refused before the parser builds anything
//     (so no later copy or dump of the tree can recurse out of stack);
//   - the parser's exception texts never reach the user: messages name the file, line, column
//     and problem, and quote at most a few dozen characters of the file;
//   - only regular files are read, and at most limits::kMaxJsonFileBytes of them.
// Duplicate keys follow Python's json module (the last one wins), so a file that Hugging Face
// loads loads here too. Values shown in messages go through json_brief(), never dump().
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

// Parses a whole file. Throws IoError (unreadable, not a regular file), LimitError (too large)
// or FormatError (invalid or too deeply nested JSON, with offset).
nlohmann::json load_json_file(const std::string& path);

// Parses `text` that came from `source` (a file name, used in error messages). `base_offset` is
// where the text starts in the file (byte offsets in messages count from the file's start).
nlohmann::json parse_json_text(std::string_view text, const std::string& source,
                               int64_t base_offset = 0);

// FormatError when `text` nests arrays/objects deeper than limits::kMaxJsonDepth.
void check_json_depth(std::string_view text, const std::string& source, int64_t base_offset = 0);

// Refuses a NUL byte anywhere in `text` (the parser would stop there and ignore what follows).
void check_json_no_nul(std::string_view text, const std::string& source, int64_t base_offset = 0);

// Turns an exception thrown while parsing into a FormatError for `source`: parse errors carry
// the byte offset (`base_offset` = where the parsed text starts in the file, e.g. 8 for a
// safetensors header); others (a number too large for a double) carry none.
FormatError json_format_error(const std::string& source, const nlohmann::json::parse_error& error,
                              int64_t base_offset = 0);
FormatError json_format_error(const std::string& source, const nlohmann::json::exception& error);

// object[key] when it is present and not null, else `fallback`; FormatError naming `file` and
// `key` when it has another type (nlohmann's value() would throw its own type_error text).
bool json_bool_or(const nlohmann::json& object, const std::string& key, bool fallback,
                  const std::string& file);
std::string json_string_or(const nlohmann::json& object, const std::string& key,
                           const std::string& fallback, const std::string& file);
// An integer token id (`what` names it in the error); FormatError otherwise.
int64_t json_id(const nlohmann::json& value, const std::string& file, const std::string& what);

// Any nlohmann exception met while interpreting a parsed document, as a FormatError for `file`
// in plain words ("a value has the wrong type: ..."), for the few places a library call can
// still throw one.
FormatError json_value_error(const std::string& file, const nlohmann::json::exception& error);

// A JSON value for an error message, bounded: strings quoted (quote()), numbers and literals as
// written, containers by kind and size ("an object of 3 keys", "an array of 2 elements") —
// never the nested text.
std::string json_brief(const nlohmann::json& value);

}  // namespace attnscope
