// `attnscope download ORG/NAME[@REV]` prints the snapshot folder; a downloaded model then runs
// through `--model ORG/NAME` like any folder; errors are one line with exit code 1.
#include <gtest/gtest.h>

#include <cstdio>

#include <filesystem>
#include <memory>
#include <optional>

#include "core/mapped_file.h"
#include "support/cli_harness.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"
#include "unit/io/fake_hub.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using ::attnscope::testing::CliResult;
using ::attnscope::testing::FakeHub;
using ::attnscope::testing::kCommit;
using ::attnscope::testing::run_cli;
using ::attnscope::testing::ScopedEnv;
using ::attnscope::testing::TempDir;

class DownloadCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::optional<fs::path> root = testing::shared_dir();
    if (!root || !fs::is_directory(*root / "models" / "tiny-gpt2")) {
      GTEST_SKIP() << "models/tiny-gpt2 is absent: " << testing::shared_dir_search_note();
    }
    fs::create_directories(model_);
    for (const char* name : {"config.json", "model.safetensors", "tokenizer.json",
                             "tokenizer_config.json", "vocab.json", "merges.txt"}) {
      fs::copy_file(*root / "models" / "tiny-gpt2" / name, model_ / name);
    }
    hub_ = std::make_unique<FakeHub>(model_);
    endpoint_.emplace("HF_ENDPOINT", hub_->endpoint());
  }

  TempDir dir_{"hubcli"};
  fs::path model_ = dir_.path() / "model";
  fs::path cache_ = dir_.path() / "cache";
  ScopedEnv cache_env_{"HF_HUB_CACHE", cache_.string()};
  ScopedEnv legacy_{"TRANSFORMERS_CACHE", std::nullopt};
  ScopedEnv offline_{"HF_HUB_OFFLINE", std::nullopt};
  ScopedEnv token_{"HF_TOKEN", std::nullopt};
  ScopedEnv home_{"HF_HOME", (dir_.path() / "home").string()};
  std::optional<ScopedEnv> endpoint_;
  std::unique_ptr<FakeHub> hub_;
};

TEST_F(DownloadCommand, PrintsTheSnapshotFolderAndTheModelRuns) {
  const CliResult r = run_cli({"download", "tiny/gpt2"});
  ASSERT_EQ(r.exit_code, 0) << r.error;
  const fs::path snapshot = cache_ / "models--tiny--gpt2" / "snapshots" / kCommit;
  EXPECT_EQ(r.out, snapshot.string() + "\n");
  EXPECT_TRUE(fs::is_regular_file(snapshot / "model.safetensors"));

  hub_->clear_log();
  const CliResult info = run_cli({"tokenize", "--model", "tiny/gpt2", "--text", "Hello world"});
  EXPECT_EQ(info.exit_code, 0) << info.error;
  EXPECT_NE(info.out.find("Hello"), std::string::npos) << info.out;
  EXPECT_TRUE(hub_->log().empty()) << "the cached model was requested again";
}

TEST_F(DownloadCommand, ErrorsAreOneLineWithExitCode1) {
  CliResult r = run_cli({"download", "nobody/nothing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.error.find("HTTP 404"), std::string::npos) << r.error;

  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  r = run_cli({"download", "tiny/gpt2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.error.find("HF_HUB_OFFLINE"), std::string::npos) << r.error;
  EXPECT_EQ(hub_->log().size(), 1u) << "offline made a request";  // only the 404 above

  r = run_cli({"download", dir_.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.error.find("local path"), std::string::npos) << r.error;
}

// Two attnscope processes download the same model at once: both print the snapshot, the weights
// are fetched once (the blob lock), and the result is complete.
TEST_F(DownloadCommand, TwoProcessesAtOnce) {
  const std::string command = std::string(ATTNSCOPE_BINARY) + " download tiny/gpt2 2>&1";
  FILE* first = ::popen(command.c_str(), "r");
  FILE* second = ::popen(command.c_str(), "r");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  const fs::path snapshot = cache_ / "models--tiny--gpt2" / "snapshots" / kCommit;
  for (FILE* pipe : {first, second}) {
    std::string out;
    char buffer[4096];
    size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
    EXPECT_EQ(::pclose(pipe), 0) << out;
    EXPECT_EQ(out, snapshot.string() + "\n");
  }
  EXPECT_EQ(hub_->count("GET", "/cdn/model.safetensors"), 1u);
  for (const char* name : {"config.json", "model.safetensors", "tokenizer.json"}) {
    EXPECT_EQ(read_file((snapshot / name).string(), 1 << 30),
              read_file((model_ / name).string(), 1 << 30))
        << name;
  }
}

}  // namespace
}  // namespace attnscope
