// resolve_model_path over local folders and a fake Hugging Face cache built in a temp dir, and
// load_json_file's errors.
#include "io/model_source.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "core/error.h"
#include "core/mapped_file.h"
#include "io/json_file.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

using ::attnscope::testing::TempDir;

namespace fs = std::filesystem;

using ::attnscope::testing::ScopedEnv;

// A cache tree like huggingface_hub makes: blobs/, refs/main, snapshots/<commit>/ with symlinks.
fs::path add_cached_model(const fs::path& cache, const std::string& repo_name,
                          const std::string& commit, bool write_ref = true) {
  const fs::path repo = cache / repo_name;
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "snapshots" / commit);
  write_file_atomic((repo / "blobs" / ("cfg-" + commit)).string(), R"({"model_type": "gpt2"})");
  fs::create_symlink(fs::path("../../blobs") / ("cfg-" + commit),
                     repo / "snapshots" / commit / "config.json");
  if (write_ref) {
    fs::create_directories(repo / "refs");
    write_file_atomic((repo / "refs" / "main").string(), commit);  // no newline, like the hub
  }
  return repo / "snapshots" / commit;
}

std::string io_error_of(const std::string& spec) {
  try {
    resolve_model_path(spec);
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected IoError for " << spec;
  return "";
}

class ModelSource : public ::testing::Test {
 protected:
  TempDir dir_;
  fs::path cache_ = dir_.path() / "hub";
  ScopedEnv hub_{"HF_HUB_CACHE", cache_.string()};
  ScopedEnv legacy_{"TRANSFORMERS_CACHE", std::nullopt};
  ScopedEnv offline_{"HF_HUB_OFFLINE", "1"};  // never the network here (hub_download_test.cpp)
};

TEST_F(ModelSource, LocalFolderWithConfig) {
  const fs::path model = dir_.path() / "my-model";
  fs::create_directories(model);
  write_file_atomic((model / "config.json").string(), "{}");
  EXPECT_EQ(resolve_model_path(model.string()), model);
}

TEST_F(ModelSource, LocalFolderWithoutConfigSaysWhatIsMissing) {
  const fs::path model = dir_.path() / "no-config";
  fs::create_directories(model);
  const std::string message = io_error_of(model.string());
  EXPECT_NE(message.find("no config.json"), std::string::npos) << message;
  EXPECT_NE(message.find(model.string()), std::string::npos) << message;
}

TEST_F(ModelSource, FileIsNotAModel) {
  write_file_atomic(dir_.file("config.json"), "{}");
  EXPECT_NE(io_error_of(dir_.file("config.json")).find("is a file"), std::string::npos);
}

TEST_F(ModelSource, CachedIdFollowsRefsMain) {
  add_cached_model(cache_, "models--openai-community--gpt2", "1111aaaa");
  const fs::path main = add_cached_model(cache_, "models--openai-community--gpt2", "2222bbbb");
  // refs/main was written last, pointing at 2222bbbb.
  EXPECT_EQ(resolve_model_path("openai-community/gpt2"), main);
  EXPECT_TRUE(fs::is_regular_file(resolve_model_path("openai-community/gpt2") / "config.json"));
}

TEST_F(ModelSource, CachedIdWithoutOrganisation) {
  const fs::path snapshot = add_cached_model(cache_, "models--gpt2", "abc123");
  EXPECT_EQ(resolve_model_path("gpt2"), snapshot);
}

TEST_F(ModelSource, RevisionByRefOrCommit) {
  const fs::path old_one = add_cached_model(cache_, "models--org--m", "0000old");
  const fs::path new_one = add_cached_model(cache_, "models--org--m", "1111new");
  write_file_atomic((cache_ / "models--org--m" / "refs" / "v1").string(), "0000old\n");
  EXPECT_EQ(resolve_model_path("org/m"), new_one);
  EXPECT_EQ(resolve_model_path("org/m@v1"), old_one);
  EXPECT_EQ(resolve_model_path("org/m@0000old"), old_one);
  const std::string message = io_error_of("org/m@v2");
  EXPECT_NE(message.find("revision 'v2'"), std::string::npos) << message;
}

TEST_F(ModelSource, OnlySnapshotWhenRefsMainIsMissing) {
  const fs::path snapshot = add_cached_model(cache_, "models--org--solo", "feed", false);
  EXPECT_EQ(resolve_model_path("org/solo"), snapshot);
  add_cached_model(cache_, "models--org--solo", "beef", false);
  const std::string message = io_error_of("org/solo");
  EXPECT_NE(message.find("beef, feed"), std::string::npos) << message;
}

TEST_F(ModelSource, SnapshotWithoutConfig) {
  const fs::path snapshot = add_cached_model(cache_, "models--org--partial", "c0ffee");
  fs::remove(snapshot / "config.json");
  EXPECT_NE(io_error_of("org/partial").find("no config.json"), std::string::npos);
}

TEST_F(ModelSource, MissingIdListsWhereItLooked) {
  const fs::path legacy = dir_.path() / "legacy";
  ScopedEnv legacy_env("TRANSFORMERS_CACHE", legacy.string());
  const std::string message = io_error_of("nobody/nothing");
  EXPECT_NE(message.find((cache_ / "models--nobody--nothing").string()), std::string::npos)
      << message;
  EXPECT_NE(message.find((legacy / "models--nobody--nothing").string()), std::string::npos)
      << message;
  EXPECT_NE(message.find("HF_HUB_OFFLINE is set"), std::string::npos) << message;
  EXPECT_NE(message.find("missing " + (cache_ / "models--nobody--nothing").string()),
            std::string::npos)
      << message;
}

TEST_F(ModelSource, LegacyTransformersCacheIsSearched) {
  const fs::path legacy = dir_.path() / "legacy";
  const fs::path snapshot = add_cached_model(legacy, "models--old--model", "1234");
  ScopedEnv legacy_env("TRANSFORMERS_CACHE", legacy.string());
  EXPECT_EQ(resolve_model_path("old/model"), snapshot);
}

TEST_F(ModelSource, CacheDirsFollowTheEnvironment) {
  {
    ScopedEnv hub("HF_HUB_CACHE", std::nullopt);
    ScopedEnv home("HF_HOME", "/x/hf");
    EXPECT_EQ(hf_cache_dirs(), std::vector<fs::path>{"/x/hf/hub"});
  }
  {
    ScopedEnv hub("HF_HUB_CACHE", std::nullopt);
    ScopedEnv home("HF_HOME", std::nullopt);
    ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
    ScopedEnv user("HOME", "/home/u");
    EXPECT_EQ(hf_cache_dirs(), std::vector<fs::path>{"/home/u/.cache/huggingface/hub"});
  }
}

TEST_F(ModelSource, MalformedSpecs) {
  EXPECT_THROW(resolve_model_path(""), InputError);
  for (const char* spec : {"../escape", "a/b/c", "org/..", "org/name@../x", "/no/such/dir"}) {
    SCOPED_TRACE(spec);
    EXPECT_THROW(resolve_model_path(spec), IoError);
  }
}

TEST(JsonFile, ReadsValidJson) {
  TempDir dir;
  write_file_atomic(dir.file("c.json"), R"({"hidden_size": 64, "a": [1, 2]})");
  EXPECT_EQ(load_json_file(dir.file("c.json")).at("hidden_size").get<int>(), 64);
}

TEST(JsonFile, InvalidJsonIsFormatErrorWithOffset) {
  TempDir dir;
  write_file_atomic(dir.file("bad.json"), "{\"a\": 1,\n \"b\": }");
  try {
    load_json_file(dir.file("bad.json"));
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.offset(), 15);  // the '}' where a value should be
    EXPECT_EQ(e.file(), dir.file("bad.json"));
    EXPECT_NE(std::string(e.what()).find("invalid JSON"), std::string::npos) << e.what();
  }
}

TEST(JsonFile, NumberTooLargeIsFormatError) {
  TempDir dir;
  write_file_atomic(dir.file("big.json"), R"({"rope_theta": 1e400})");
  EXPECT_THROW(load_json_file(dir.file("big.json")), FormatError);
}

TEST(JsonFile, UnreadableIsIoError) {
  TempDir dir;
  EXPECT_THROW(load_json_file(dir.file("absent.json")), IoError);
  EXPECT_THROW(load_json_file(dir.path().string()), IoError);
}

}  // namespace
}  // namespace attnscope
