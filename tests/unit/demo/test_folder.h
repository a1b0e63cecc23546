// Test helpers for the demo tests: a temporary folder removed at the end of the test, an
// environment variable set for a scope, and reading a whole file.
#pragma once

#include "support/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace attnscope::demo::testing {

using TestFolder = ::attnscope::testing::TempDir;

using ::attnscope::testing::ScopedEnv;

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace attnscope::demo::testing
