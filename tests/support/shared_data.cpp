#include "support/shared_data.h"

#include <cctype>
#include <cstdlib>

namespace attnscope::testing {
namespace {

std::filesystem::path candidate() {
  if (const char* env = std::getenv("ATTNSCOPE_SHARED_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::filesystem::path(ATTNSCOPE_SOURCE_DIR).parent_path() / "shared";
}

}  // namespace

std::optional<std::filesystem::path> shared_dir() {
  const auto dir = candidate();
  std::error_code ec;
  if (std::filesystem::exists(dir / "golden" / "README.md", ec)) return dir;
  return std::nullopt;
}

std::string shared_dir_search_note() {
  return "looked for " + candidate().string() +
         "/golden/README.md (set ATTNSCOPE_SHARED_DIR to point elsewhere)";
}

std::filesystem::path source_dir() { return ATTNSCOPE_SOURCE_DIR; }

std::string parameter_name(std::string name) {
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

}  // namespace attnscope::testing
