#include "io/json_file.h"

#include <filesystem>

#include "core/mapped_file.h"

namespace attnscope {

namespace {

// nlohmann's messages start with "[json.exception.parse_error.101] "; keep only the prose.
std::string prose(const nlohmann::json::exception& error) {
  std::string what = error.what();
  if (const auto bracket = what.find("] "); what.starts_with("[json.") && bracket != what.npos) {
    what.erase(0, bracket + 2);
  }
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
  return FormatError(source, "invalid JSON: " + prose(error));
}

nlohmann::json parse_json_text(std::string_view text, const std::string& source) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& error) {
    throw json_format_error(source, error);
  } catch (const nlohmann::json::exception& error) {
    throw json_format_error(source, error);
  }
}

nlohmann::json load_json_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw IoError(path, "is a folder, expected a JSON file");
  return parse_json_text(read_file(path), path);
}

}  // namespace attnscope
