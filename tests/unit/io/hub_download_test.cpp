// Hub downloads against a fake Hugging Face Hub on loopback (libmicrohttpd) that serves the Hub's
// URL scheme and headers for the tiny GPT-2 in ../shared (copied to a temp folder):
//   GET  /api/models/ORG/NAME/revision/REV   {"sha": ..., "siblings": [...]}
//   HEAD /ORG/NAME/resolve/REV/FILE          ETag / X-Repo-Commit; *.safetensors: 302 to the
//                                            "CDN" (http://localhost:PORT/cdn/...) with
//                                            X-Linked-Etag (sha256) and X-Linked-Size
//   GET  .../resolve/... and /cdn/...        the bytes, Range honoured (206)
// No test touches the internet.
#include "io/hub_download.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/mapped_file.h"
#include "io/model_source.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"
#include "unit/io/fake_hub.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using ::attnscope::testing::ScopedEnv;
using ::attnscope::testing::TempDir;

using ::attnscope::testing::FakeHub;
using ::attnscope::testing::kCommit;
using ::attnscope::testing::kId;
using ::attnscope::testing::kOtherCommit;
using ::attnscope::testing::Logged;

class HubDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::optional<fs::path> root = testing::shared_dir();
    if (!root || !fs::is_directory(*root / "models" / "tiny-gpt2")) {
      GTEST_SKIP() << "models/tiny-gpt2 is absent: " << testing::shared_dir_search_note();
    }
    const fs::path shared = *root / "models" / "tiny-gpt2";
    for (const char* name : {"config.json", "model.safetensors", "tokenizer.json",
                             "tokenizer_config.json", "vocab.json", "merges.txt"}) {
      fs::copy_file(shared / name, model_ / name);
    }
    write_file_atomic((model_ / "pytorch_model.bin").string(), "pickle!");  // listed, refused
    hub_ = std::make_unique<FakeHub>(model_);
    hub_->files_.erase("pytorch_model.bin");
    endpoint_.emplace("HF_ENDPOINT", hub_->endpoint());
  }

  fs::path repo() const { return cache_ / "models--tiny--gpt2"; }
  std::string io_error(const std::string& spec) {
    try {
      resolve_model_path(spec);
    } catch (const IoError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no IoError for " << spec;
    return "";
  }
  void expect_complete(const fs::path& snapshot) {
    for (const char* name : {"config.json", "model.safetensors", "tokenizer.json", "vocab.json",
                             "merges.txt", "tokenizer_config.json"}) {
      ASSERT_TRUE(fs::is_symlink(snapshot / name)) << name;
      EXPECT_EQ(read_file((snapshot / name).string(), 1 << 30),
                read_file((model_ / name).string(), 1 << 30))
          << name;
    }
    EXPECT_FALSE(fs::exists(snapshot / "pytorch_model.bin"));
  }

  TempDir dir_{"hub"};
  fs::path cache_ = dir_.path() / "cache";
  fs::path model_ = [this] {
    fs::create_directories(dir_.path() / "model");
    return dir_.path() / "model";
  }();
  ScopedEnv cache_env_{"HF_HUB_CACHE", cache_.string()};
  ScopedEnv legacy_{"TRANSFORMERS_CACHE", std::nullopt};
  ScopedEnv offline_{"HF_HUB_OFFLINE", std::nullopt};
  ScopedEnv token_{"HF_TOKEN", std::nullopt};
  ScopedEnv home_{"HF_HOME", (dir_.path() / "home").string()};
  std::optional<ScopedEnv> endpoint_;
  std::unique_ptr<FakeHub> hub_;
};

TEST_F(HubDownload, FirstDownloadMakesTheCacheLayoutThenTheCacheAnswers) {
  const fs::path snapshot = resolve_model_path("tiny/gpt2");
  EXPECT_EQ(snapshot, repo() / "snapshots" / kCommit);
  expect_complete(snapshot);
  EXPECT_EQ(read_file((repo() / "refs" / "main").string()), kCommit);
  // Weights are a blob named by their sha256, links are relative.
  const std::string sha = sha256_file(model_ / "model.safetensors");
  EXPECT_TRUE(fs::is_regular_file(repo() / "blobs" / sha));
  EXPECT_EQ(fs::read_symlink(snapshot / "model.safetensors"), fs::path("../../blobs") / sha);
  EXPECT_EQ(hub_->count("GET", "pytorch_model.bin"), 0u);
  // The CDN got the content without the token... (no token here; see the token test)
  EXPECT_EQ(hub_->count("GET", "/cdn/model.safetensors"), 1u);
  for (const auto& entry : fs::recursive_directory_iterator(repo())) {
    EXPECT_EQ(entry.path().string().find(".incomplete"), std::string::npos) << entry.path();
  }

  hub_->clear_log();
  EXPECT_EQ(resolve_model_path("tiny/gpt2"), snapshot);
  EXPECT_EQ(resolve_model_path("tiny/gpt2@main"), snapshot);
  EXPECT_TRUE(hub_->log().empty()) << "the second run made a request";
}

TEST_F(HubDownload, OfflineNamesTheMissingFileAndMakesNoRequest) {
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  const std::string message = io_error("tiny/gpt2");
  EXPECT_NE(message.find("HF_HUB_OFFLINE"), std::string::npos) << message;
  EXPECT_NE(message.find((repo() / "snapshots" / "main" / "config.json").string()),
            std::string::npos)
      << message;
  EXPECT_TRUE(hub_->log().empty());
  EXPECT_THROW(hub_download(cache_, kId, "main"), IoError);
  EXPECT_TRUE(hub_->log().empty());
}

TEST_F(HubDownload, OfflineUsesWhatIsCached) {
  const fs::path snapshot = resolve_model_path("tiny/gpt2");
  hub_->clear_log();
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  EXPECT_EQ(resolve_model_path("tiny/gpt2"), snapshot);
  EXPECT_TRUE(hub_->log().empty());
}

TEST_F(HubDownload, WrongChecksumIsRefusedAndNothingIsLeftBehind) {
  hub_->lie_sha_for = "model.safetensors";
  const std::string message = io_error("tiny/gpt2");
  EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(repo() / "blobs" / std::string(64, 'e')));
  EXPECT_FALSE(fs::exists(repo() / "blobs" / (std::string(64, 'e') + ".incomplete")));
  EXPECT_FALSE(fs::exists(repo() / "snapshots" / kCommit / "model.safetensors"));
  EXPECT_FALSE(fs::exists(repo() / "snapshots" / kCommit / "config.json"));
  EXPECT_FALSE(fs::exists(repo() / "refs" / "main"));
  // Offline, the half-made snapshot does not pass for a model.
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  const std::string offline_message = io_error("tiny/gpt2");
  EXPECT_NE(offline_message.find("has no config.json"), std::string::npos) << offline_message;
}

TEST_F(HubDownload, ResumesAfterADroppedConnection) {
  const std::string& weights = hub_->files_["model.safetensors"];
  ASSERT_GT(weights.size(), 8192u);
  hub_->drop_after = static_cast<long>(weights.size() / 2);
  const fs::path snapshot = resolve_model_path("tiny/gpt2");
  expect_complete(snapshot);
  bool resumed = false;
  for (const auto& entry : hub_->log()) {
    if (entry.path == "/cdn/model.safetensors" && entry.range.rfind("bytes=", 0) == 0 &&
        entry.range != "bytes=0-") {
      resumed = true;
    }
  }
  EXPECT_TRUE(resumed) << "no Range request after the drop";
}

TEST_F(HubDownload, ResumesAnIncompleteFileFromAnEarlierRun) {
  const std::string& weights = hub_->files_["model.safetensors"];
  const std::string sha = sha256_file(model_ / "model.safetensors");
  fs::create_directories(repo() / "blobs");
  write_file_atomic((repo() / "blobs" / (sha + ".incomplete")).string(), weights.substr(0, 1000));
  expect_complete(resolve_model_path("tiny/gpt2"));
  size_t ranged = 0;
  for (const auto& entry : hub_->log()) {
    ranged += entry.path == "/cdn/model.safetensors" && entry.range == "bytes=1000-" ? 1 : 0;
  }
  EXPECT_EQ(ranged, 1u);
}

TEST_F(HubDownload, GatedRepositoryTellsWhatToDo) {
  hub_->required_token = "hf_secret";
  std::string message = io_error("tiny/gpt2");
  EXPECT_NE(message.find("HTTP 401"), std::string::npos) << message;
  EXPECT_NE(message.find("gated or private"), std::string::npos) << message;
  EXPECT_NE(message.find("HF_TOKEN"), std::string::npos) << message;
  EXPECT_NE(message.find("accept the model's license"), std::string::npos) << message;

  // The token file of `huggingface-cli login` works; the CDN never sees the token.
  fs::create_directories(dir_.path() / "home");
  write_file_atomic((dir_.path() / "home" / "token").string(), "hf_secret\n");
  expect_complete(resolve_model_path("tiny/gpt2"));
  for (const auto& entry : hub_->log()) {
    if (entry.path.rfind("/cdn/", 0) == 0) {
      EXPECT_FALSE(entry.auth) << entry.path;
    }
    if (entry.path.find("/resolve/") != std::string::npos) {
      EXPECT_TRUE(entry.auth) << entry.path;
    }
  }
}

TEST_F(HubDownload, WrongTokenSaysItWasNotAccepted) {
  hub_->required_token = "hf_secret";
  ScopedEnv token("HF_TOKEN", "hf_wrong");
  const std::string message = io_error("tiny/gpt2");
  EXPECT_NE(message.find("was not accepted"), std::string::npos) << message;
}

TEST_F(HubDownload, UnknownRepoOrRevisionIs404) {
  std::string message = io_error("nobody/nothing");
  EXPECT_NE(message.find("HTTP 404"), std::string::npos) << message;
  EXPECT_NE(message.find("'nobody/nothing'"), std::string::npos) << message;
  message = io_error("tiny/gpt2@no-such-branch");
  EXPECT_NE(message.find("HTTP 404"), std::string::npos) << message;
  EXPECT_NE(message.find("no-such-branch"), std::string::npos) << message;
}

TEST_F(HubDownload, BranchAndCommitRevisions) {
  const fs::path v2 = resolve_model_path("tiny/gpt2@v2");
  EXPECT_EQ(v2, repo() / "snapshots" / kOtherCommit);
  EXPECT_EQ(read_file((repo() / "refs" / "v2").string()), kOtherCommit);
  expect_complete(v2);

  const fs::path by_hash = resolve_model_path(std::string("tiny/gpt2@") + kCommit);
  EXPECT_EQ(by_hash, repo() / "snapshots" / kCommit);
  expect_complete(by_hash);
  EXPECT_FALSE(fs::exists(repo() / "refs" / kCommit)) << "a commit hash is not a ref";
  // The weights are the same blob: fetched once for both snapshots.
  EXPECT_EQ(hub_->count("GET", "/cdn/model.safetensors"), 1u);
}

TEST_F(HubDownload, TwoConcurrentDownloadsOfTheSameModel) {
  std::vector<std::string> errors(4);
  std::vector<fs::path> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      try {
        results[i] = hub_download(cache_, kId, "main");
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(errors[i], "");
    EXPECT_EQ(results[i], repo() / "snapshots" / kCommit);
  }
  expect_complete(repo() / "snapshots" / kCommit);
  EXPECT_EQ(hub_->count("GET", "/cdn/model.safetensors"), 1u) << "the lock let two fetch it";
}

}  // namespace
}  // namespace attnscope

namespace attnscope {
namespace {

using ::attnscope::testing::FakeHub;

// Puts a file both in the fake repository's folder and in what the fake Hub serves.
void add_repo_file(FakeHub& hub, const fs::path& model, const std::string& name,
                   const std::string& content) {
  write_file_atomic((model / name).string(), content);
  hub.files_[name] = content;
}

TEST_F(HubDownload, ShardedWeightsFollowTheIndex) {
  hub_->files_.erase("model.safetensors");
  fs::remove(model_ / "model.safetensors");
  add_repo_file(*hub_, model_, "model-00001-of-00002.safetensors", std::string(5000, 'a'));
  add_repo_file(*hub_, model_, "model-00002-of-00002.safetensors", std::string(7000, 'b'));
  add_repo_file(*hub_, model_, "model-unused.safetensors", "not in the index");
  add_repo_file(*hub_, model_, "model.safetensors.index.json",
                R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                    "b": "model-00002-of-00002.safetensors",
                    "c": "model-00002-of-00002.safetensors"}})");
  const fs::path snapshot = resolve_model_path("tiny/gpt2");
  EXPECT_EQ(read_file((snapshot / "model-00001-of-00002.safetensors").string()),
            std::string(5000, 'a'));
  EXPECT_EQ(read_file((snapshot / "model-00002-of-00002.safetensors").string()),
            std::string(7000, 'b'));
  EXPECT_TRUE(fs::is_regular_file(snapshot / "model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(snapshot / "model-unused.safetensors"));
  EXPECT_EQ(hub_->count("GET", "/cdn/model-00002-of-00002.safetensors"), 1u);
}

TEST_F(HubDownload, IndexNamingAFileOutsideTheRepoIsRefused) {
  hub_->files_.erase("model.safetensors");
  add_repo_file(*hub_, model_, "model.safetensors.index.json",
                R"({"weight_map": {"a": "../../../etc/passwd.safetensors"}})");
  EXPECT_THROW(resolve_model_path("tiny/gpt2"), FormatError);
}

TEST_F(HubDownload, PickleOnlyRepositoryIsUnsupported) {
  hub_->files_.erase("model.safetensors");
  try {
    resolve_model_path("tiny/gpt2");
    ADD_FAILURE() << "no error";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("never loads pickled"), std::string::npos) << e.what();
  }
  EXPECT_EQ(hub_->count("GET", "pytorch_model.bin"), 0u);
}

}  // namespace
}  // namespace attnscope
