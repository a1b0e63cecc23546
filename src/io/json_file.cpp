#include "io/json_file.h"

#include "core/limits.h"
#include "core/mapped_file.h"
#include "core/quote.h"

namespace attnscope {

namespace {

// nlohmann's parse messages read "[json.exception.parse_error.101] parse error at line 1,
// column 5: syntax error while parsing value - invalid literal; last read: 'tru'; expected ...".
// Keep the prose; the "last read" token is file content of any length, so it is quoted short.
std::string prose(const nlohmann::json::exception& error) {
  std::string what = error.what();
  if (const auto bracket = what.find("] "); what.starts_with("[json.") && bracket != what.npos) {
    what.erase(0, bracket + 2);
  }
  constexpr std::string_view kLastRead = "; last read: '";
  if (const auto start = what.find(kLastRead); start != what.npos) {
    const size_t token_start = start + kLastRead.size();
    size_t token_end = what.rfind("'; expected");
    std::string tail;
    if (token_end == what.npos || token_end < token_start) {
      token_end = what.size() > token_start && what.back() == '\'' ? what.size() - 1 : what.size();
    } else {
      tail = what.substr(token_end + 1);
    }
    const std::string token = what.substr(token_start, token_end - token_start);
    what = what.substr(0, start) + "; last read: " + quote(token, 40) + tail;
  }
  if (what.size() > 300) what = what.substr(0, 300) + "...";
  return what;
}

}  // namespace

FormatError json_format_error(const std::string& source, const nlohmann::json::parse_error& error,
                              int64_t base_offset) {
  // error.byte counts the characters read, so the offending byte is the one before it.
  const int64_t byte = error.byte > 0 ? static_cast<int64_t>(error.byte) - 1 : 0;
  return FormatError(source, "invalid JSON: " + prose(error), base_offset + byte);
}

FormatError json_format_error(const std::string& source, const nlohmann::json::exception& error) {
  if (error.id == 406) return FormatError(source, "invalid JSON: a number is out of range");
  if (error.id == 316) return FormatError(source, "invalid JSON: a string is not valid UTF-8");
  return FormatError(source, "invalid JSON: " + prose(error));
}

void check_json_depth(std::string_view text, const std::string& source, int64_t base_offset) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limits::kMaxJsonDepth) {
        throw FormatError(
            source, "JSON nests deeper than " + std::to_string(limits::kMaxJsonDepth) + " levels",
            base_offset + static_cast<int64_t>(i));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

void check_json_no_nul(std::string_view text, const std::string& source, int64_t base_offset) {
  // nlohmann's parser stops at a NUL byte as if the text ended there, so "{...}\0<anything>"
  // would parse as "{...}". A raw NUL is never valid JSON (not whitespace, and escaped as \u0000
  // inside strings): refused wherever it is, as the reference parsers do.
  const size_t nul = text.find('\0');
  if (nul != std::string_view::npos) {
    throw FormatError(source, "invalid JSON: a NUL byte (JSON never holds one)",
                      base_offset + static_cast<int64_t>(nul));
  }
}

nlohmann::json parse_json_text(std::string_view text, const std::string& source,
                               int64_t base_offset) {
  check_json_depth(text, source, base_offset);
  check_json_no_nul(text, source, base_offset);
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& error) {
    throw json_format_error(source, error, base_offset);
  } catch (const nlohmann::json::exception& error) {
    throw json_format_error(source, error);
  }
}

nlohmann::json load_json_file(const std::string& path) {
  return parse_json_text(read_file(path, limits::kMaxJsonFileBytes), path);
}

bool json_bool_or(const nlohmann::json& object, const std::string& key, bool fallback,
                  const std::string& file) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    throw FormatError(file, quote(key) + ": expected true or false, got " + json_brief(*it));
  }
  return it->get<bool>();
}

std::string json_string_or(const nlohmann::json& object, const std::string& key,
                           const std::string& fallback, const std::string& file) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_string()) {
    throw FormatError(file, quote(key) + ": expected a string, got " + json_brief(*it));
  }
  return it->get<std::string>();
}

int64_t json_id(const nlohmann::json& value, const std::string& file, const std::string& what) {
  if (!value.is_number_integer() ||
      (value.is_number_unsigned() &&
       value.get<uint64_t>() > static_cast<uint64_t>(limits::kMaxVocabSize)) ||
      (!value.is_number_unsigned() && value.get<int64_t>() < 0)) {
    throw FormatError(
        file, quote(what) + ": expected a token id (an integer from 0), got " + json_brief(value));
  }
  return value.get<int64_t>();
}

FormatError json_value_error(const std::string& file, const nlohmann::json::exception& error) {
  std::string what = prose(error);
  if (what.size() > 120) what = what.substr(0, 120) + "...";
  if (error.id >= 300 && error.id < 400) {
    return FormatError(file, "a value has the wrong type (" + what + ")");
  }
  if (error.id >= 400 && error.id < 500) {
    return FormatError(file, "a value is missing or out of range (" + what + ")");
  }
  return FormatError(file, "cannot interpret the JSON (" + what + ")");
}

std::string json_brief(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return quote(value.get_ref<const std::string&>());
    case nlohmann::json::value_t::object:
      return "an object of " + std::to_string(value.size()) +
             (value.size() == 1 ? " key" : " keys");
    case nlohmann::json::value_t::array:
      return "an array of " + std::to_string(value.size()) +
             (value.size() == 1 ? " element" : " elements");
    case nlohmann::json::value_t::binary:
      return "binary data";
    case nlohmann::json::value_t::discarded:
      return "nothing";
    default:
      return value.dump();  // a number, true, false or null: short
  }
}

}  // namespace attnscope
