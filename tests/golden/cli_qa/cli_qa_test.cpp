// Regression tests for problems found by using the CLI as a demanding user would: every bad input
// gets a one-line error and exit code 1, and commands that compute the same figures by different
// routes agree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/cli_harness.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using ::attnscope::testing::CliResult;
using ::attnscope::testing::run_cli;

class TempDir {
 public:
  TempDir() {
    path_ =
        fs::temp_directory_path() /
        ("attnscope_cli_qa_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name, std::ios::binary) << content;
    return file(name);
  }

 private:
  fs::path path_;
};

constexpr const char* kText = "the cat sat on the mat . the cat sat on the mat .";

// analyze --model M --text T and attention + analyze --attentions must print the same figures,
// `special` included (the attention file has to carry the special-tokens mask).
TEST(CliQa, AnalyzeOfSavedAttentionMatchesLiveAnalyze) {
  TempDir tmp;
  const std::string file = tmp.file("demo.safetensors");
  const CliResult saved = run_cli({"attention", "--model", "demo", "--text", kText, "--out", file});
  ASSERT_EQ(saved.exit_code, 0) << saved.error;
  const CliResult live =
      run_cli({"analyze", "--model", "demo", "--text", kText, "--format", "csv"});
  ASSERT_EQ(live.exit_code, 0) << live.error;
  const CliResult replayed = run_cli({"analyze", "--attentions", file, "--format", "csv"});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.error;
  EXPECT_EQ(replayed.out, live.out);
  // The demo's BOS is special: the column must be filled, not empty.
  EXPECT_EQ(live.out.find(",,"), std::string::npos) << live.out;
}

}  // namespace
}  // namespace attnscope
