// resolve_model, the one function that turns a --model value into a model source: "demo", a
// folder, a Hugging Face id in the cache, a .gguf file; config.json read and parsed once.
#include "model/resolved_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "demo/demo_model.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using ::attnscope::testing::ScopedEnv;
using ::attnscope::testing::TempDir;

TEST(ResolveModel, DemoIsItsCachedFolderWithItsConfig) {
  TempDir dir("resolve-demo");
  ScopedEnv xdg("XDG_CACHE_HOME", dir.path().string());
  const ResolvedModel demo = resolve_model("demo");
  EXPECT_TRUE(demo.demo);
  EXPECT_EQ(demo.kind, ModelKind::kFolder);
  EXPECT_EQ(demo.path, demo::demo_model_dir());
  EXPECT_EQ(demo.spec, "demo");
  ASSERT_TRUE(demo.config.has_value());
  EXPECT_EQ(demo.config->family, "llama");
  EXPECT_EQ(demo.config->num_hidden_layers, demo::kDemoNumLayers);
  EXPECT_EQ(demo.config_json["num_attention_heads"], demo::kDemoNumHeads);
  EXPECT_EQ(&run_config(demo, "analyze"), &*demo.config);
}

TEST(ResolveModel, FolderWithAndWithoutTheConfig) {
  TempDir dir("resolve-folder");
  demo::write_demo_model(dir.path() / "local");
  const std::string spec = (dir.path() / "local").string();
  const ResolvedModel model = resolve_model(spec);
  EXPECT_FALSE(model.demo);
  EXPECT_EQ(model.kind, ModelKind::kFolder);
  EXPECT_EQ(fs::canonical(model.path), fs::canonical(dir.path() / "local"));
  ASSERT_TRUE(model.config.has_value());
  EXPECT_EQ(model.config->num_attention_heads, demo::kDemoNumHeads);

  // Only the files: no config parsed, so an unknown architecture is no error yet.
  {
    std::ofstream(dir.path() / "local" / "config.json")
        << R"({"architectures": ["NoSuchModel"], "model_type": "no_such"})";
  }
  const ResolvedModel files = resolve_model(spec, {.read_config = false});
  EXPECT_FALSE(files.config.has_value());
  EXPECT_TRUE(files.config_json.is_null());
  EXPECT_THROW(run_config(files, "analyze"), ConfigError);
  EXPECT_THROW(resolve_model(spec), UnsupportedError);
}

TEST(ResolveModel, GgufFileIsAFileSource) {
  TempDir dir("resolve-gguf");
  // By magic (any name) or by extension; the GGUF reader checks the rest when it opens it.
  const std::string magic = dir.file("weights.bin");
  { std::ofstream(magic, std::ios::binary) << "GGUF" << std::string(20, '\0'); }
  const ResolvedModel gguf = resolve_model(magic, {.read_config = false});
  EXPECT_EQ(gguf.kind, ModelKind::kGgufFile);
  EXPECT_EQ(gguf.path, fs::path(magic));
  EXPECT_FALSE(gguf.config.has_value());
  EXPECT_THROW(run_config(gguf, "attention"), ConfigError);
  // With its config: the metadata is read, and a truncated file says so.
  EXPECT_THROW(resolve_model(magic), FormatError);
  const std::string named = dir.file("model.GGUF");
  { std::ofstream(named, std::ios::binary) << "not yet checked"; }
  EXPECT_EQ(resolve_model(named, {.read_config = false}).kind, ModelKind::kGgufFile);
  EXPECT_THROW(resolve_model(dir.file("missing.gguf")), IoError);
}

TEST(ResolveModel, GgufFileConfigComesFromItsMetadata) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const ResolvedModel q4 =
      resolve_model((shared / "models/gguf/stories260k-hf-q4_k.gguf").string());
  EXPECT_EQ(q4.kind, ModelKind::kGgufFile);
  ASSERT_TRUE(q4.config.has_value());
  EXPECT_EQ(&run_config(q4, "attention"), &*q4.config);
  EXPECT_GT(q4.config->num_hidden_layers, 0);
  // A vocabulary-only file of an architecture attnscope does not run still resolves (info and
  // tokenize read it); running it names the command and the architecture.
  const ResolvedModel vocab =
      resolve_model((shared / "models/llamacpp-vocab-gguf/ggml-vocab-bert-bge.gguf").string());
  EXPECT_FALSE(vocab.config.has_value());
  try {
    run_config(vocab, "attention");
    ADD_FAILURE() << "a bert GGUF does not run";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("attention"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bert"), std::string::npos) << e.what();
  }
}

TEST(ResolveModel, BadSpecsAreOneLineErrors) {
  TempDir dir("resolve-bad");
  EXPECT_THROW(resolve_model(""), InputError);
  EXPECT_THROW(resolve_model(dir.file("missing")), IoError);
  const std::string text = dir.file("notes.txt");
  { std::ofstream(text) << "hello"; }
  try {
    resolve_model(text);
    ADD_FAILURE() << "a text file is not a model";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("is a file"), std::string::npos) << e.what();
  }
  fs::create_directories(dir.path() / "empty");
  EXPECT_THROW(resolve_model((dir.path() / "empty").string()), IoError);
}

TEST(ResolveModel, SharedGgufAndFolder) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto gguf = shared / "models/gguf/stories260k-hf-q4_0.gguf";
  if (fs::exists(gguf)) {
    EXPECT_EQ(resolve_model(gguf.string()).kind, ModelKind::kGgufFile);
  }
  const ResolvedModel folder = resolve_model((shared / "models/stories260k-hf").string());
  ASSERT_TRUE(folder.config.has_value());
  EXPECT_EQ(folder.config->num_hidden_layers, 5);
}

}  // namespace
}  // namespace attnscope
