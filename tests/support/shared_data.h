// Where the shared golden data and model files are (../shared beside the repository, or
// $ATTNSCOPE_SHARED_DIR), and how a test that needs them skips with a clear reason when they
// are absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace attnscope::testing {

// The shared folder, or nullopt when it is not there.
std::optional<std::filesystem::path> shared_dir();
// Human-readable note of where shared_dir() looked.
std::string shared_dir_search_note();
// The repository root (for test data committed with the tests).
std::filesystem::path source_dir();
// A golden case's name as a GoogleTest parameter name: "tiny-llama/ids_len7" ->
// "tiny_llama_ids_len7" (every character but a letter or digit becomes '_').
std::string parameter_name(std::string name);

}  // namespace attnscope::testing

// Declares `std::filesystem::path var` = the shared folder, or skips the test with the reason.
#define ATTNSCOPE_REQUIRE_SHARED(var)                               \
  const auto var##_opt = ::attnscope::testing::shared_dir();        \
  if (!var##_opt) {                                                 \
    GTEST_SKIP() << "needs the shared golden data: "                \
                 << ::attnscope::testing::shared_dir_search_note(); \
  }                                                                 \
  const std::filesystem::path var = *var##_opt
