// SafetensorsCheckpoint: single files, sharded folders with an index, index errors, and the
// refusal of pickle-only folders.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "core/mapped_file.h"
#include "io/safetensors.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

using ::attnscope::testing::TempDir;

namespace fs = std::filesystem;

const Tensor kEmbed({3, 2}, {1, 2, 3, 4, 5, 6});
const Tensor kQuery({2, 2}, {0.5f, -1, 2, 8});
const Tensor kNorm({2}, {1.25f, 0.75f});

void write_single(const std::string& path) {
  SafetensorsWriter writer;
  writer.add_f32("embed.weight", kEmbed);
  writer.add_f32("layers.0.q.weight", kQuery);
  writer.add_f32("norm.weight", kNorm);
  writer.write(path);
}

// Two shards plus model.safetensors.index.json in `dir`.
void write_sharded(const fs::path& dir, const std::string& index_text) {
  SafetensorsWriter first;
  first.add_f32("embed.weight", kEmbed);
  first.add_f32("layers.0.q.weight", kQuery, DType::kBF16);  // shards may mix dtypes
  first.write((dir / "model-00001-of-00002.safetensors").string());
  SafetensorsWriter second;
  second.add_f32("norm.weight", kNorm);
  second.write((dir / "model-00002-of-00002.safetensors").string());
  write_file_atomic((dir / "model.safetensors.index.json").string(), index_text);
}

const std::string kGoodIndex = R"({
  "metadata": {"total_size": 48},
  "weight_map": {
    "embed.weight": "model-00001-of-00002.safetensors",
    "layers.0.q.weight": "model-00001-of-00002.safetensors",
    "norm.weight": "model-00002-of-00002.safetensors"
  }
})";

void expect_same_values(const Tensor& got, const Tensor& expected) {
  ASSERT_EQ(got.shape(), expected.shape());
  for (int64_t i = 0; i < got.numel(); ++i) {
    ASSERT_EQ(got.data()[i], expected.data()[i]) << "first mismatch at index " << i;
  }
}

template <typename E>
std::string error_of(const std::string& path) {
  try {
    SafetensorsCheckpoint::open(path);
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error opening " << path;
  return "";
}

TEST(Checkpoint, ShardedLoadsTheSameValuesAsSingleFile) {
  TempDir single_dir;
  TempDir sharded_dir;
  write_single(single_dir.file("model.safetensors"));
  write_sharded(sharded_dir.path(), kGoodIndex);

  const auto single = SafetensorsCheckpoint::open(single_dir.path().string());
  const auto sharded = SafetensorsCheckpoint::open(sharded_dir.path().string());
  EXPECT_EQ(sharded.source(), sharded_dir.file("model.safetensors.index.json"));
  EXPECT_EQ(single.names(), sharded.names());
  EXPECT_EQ(sharded.files().size(), 2u);
  for (const auto& name : single.names()) {
    SCOPED_TRACE(name);
    expect_same_values(sharded.load_f32(name), single.load_f32(name));
  }
  EXPECT_EQ(sharded.file_of("norm.weight").path(),
            sharded_dir.file("model-00002-of-00002.safetensors"));
  EXPECT_EQ(sharded.get("layers.0.q.weight").dtype, DType::kBF16);
  EXPECT_EQ(sharded.find("missing"), nullptr);
  EXPECT_THROW(sharded.get("missing"), ShapeError);
  EXPECT_THROW(sharded.load_f32("missing"), ShapeError);
}

TEST(Checkpoint, OpensFileAndIndexPathsDirectly) {
  TempDir dir;
  write_sharded(dir.path(), kGoodIndex);
  const auto by_index = SafetensorsCheckpoint::open(dir.file("model.safetensors.index.json"));
  EXPECT_EQ(by_index.names().size(), 3u);
  const auto by_file = SafetensorsCheckpoint::open(dir.file("model-00002-of-00002.safetensors"));
  EXPECT_EQ(by_file.names(), std::vector<std::string>{"norm.weight"});
}

TEST(Checkpoint, FolderWithOneOddlyNamedFile) {
  TempDir dir;
  write_single(dir.file("weights.safetensors"));
  EXPECT_EQ(SafetensorsCheckpoint::open(dir.path().string()).names().size(), 3u);
}

TEST(Checkpoint, FolderWithSeveralFilesAndNoIndexIsAnError) {
  TempDir dir;
  write_single(dir.file("a.safetensors"));
  write_single(dir.file("b.safetensors"));
  const std::string message = error_of<FormatError>(dir.path().string());
  EXPECT_NE(message.find("a.safetensors, b.safetensors"), std::string::npos) << message;
  EXPECT_NE(message.find("no model.safetensors.index.json"), std::string::npos) << message;
}

TEST(Checkpoint, IndexNamingMissingShard) {
  TempDir dir;
  std::string index = kGoodIndex;
  index.replace(index.rfind("model-00002-of-00002"), 20, "model-00002-of-00003");
  write_sharded(dir.path(), index);
  const std::string message = error_of<IoError>(dir.path().string());
  EXPECT_NE(message.find("model-00002-of-00003.safetensors"), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
}

TEST(Checkpoint, IndexPuttingTensorInWrongShard) {
  TempDir dir;
  std::string index = kGoodIndex;
  index.replace(index.rfind("model-00002-of-00002"), 20, "model-00001-of-00002");
  write_sharded(dir.path(), index);
  const std::string message = error_of<FormatError>(dir.path().string());
  EXPECT_NE(message.find("tensor 'norm.weight'"), std::string::npos) << message;
  EXPECT_NE(message.find("shard 'model-00001-of-00002.safetensors'"), std::string::npos) << message;
  EXPECT_NE(message.find("has no such tensor"), std::string::npos) << message;
}

TEST(Checkpoint, IndexWithBadStructure) {
  TempDir dir;
  write_sharded(dir.path(), R"({"metadata": {}})");
  EXPECT_NE(error_of<FormatError>(dir.path().string()).find("weight_map"), std::string::npos);
  write_file_atomic(dir.file("model.safetensors.index.json"), R"({"weight_map": {"a": 3}})");
  EXPECT_NE(error_of<FormatError>(dir.path().string()).find("tensor 'a'"), std::string::npos);
  write_file_atomic(dir.file("model.safetensors.index.json"), R"({"weight_map": )");
  EXPECT_NE(error_of<FormatError>(dir.path().string()).find("invalid JSON"), std::string::npos);
}

TEST(Checkpoint, ShardNamesMayNotLeaveTheFolder) {
  TempDir dir;
  write_sharded(dir.path(), R"({"weight_map": {"a": "../model-00002-of-00002.safetensors"}})");
  EXPECT_NE(error_of<FormatError>(dir.path().string()).find("relative paths inside"),
            std::string::npos);
  write_file_atomic(dir.file("model.safetensors.index.json"),
                    R"({"weight_map": {"a": "/etc/passwd"}})");
  EXPECT_NE(error_of<FormatError>(dir.path().string()).find("relative paths inside"),
            std::string::npos);
}

TEST(Checkpoint, PickleOnlyFolderIsRefusedWithConversionAdvice) {
  TempDir dir;
  write_file_atomic(dir.file("pytorch_model.bin"), "not really a pickle");
  write_file_atomic(dir.file("config.json"), "{}");
  const std::string message = error_of<UnsupportedError>(dir.path().string());
  EXPECT_NE(message.find("pytorch_model.bin"), std::string::npos) << message;
  EXPECT_NE(message.find("run arbitrary code"), std::string::npos) << message;
  EXPECT_NE(message.find("safe_serialization=True"), std::string::npos) << message;
  EXPECT_NE(message.find(dir.path().string()), std::string::npos) << message;
  // Pointing at the pickle itself gets the same advice.
  EXPECT_NE(error_of<UnsupportedError>(dir.file("pytorch_model.bin")).find("safe_serialization"),
            std::string::npos);
}

TEST(Checkpoint, EmptyFolderSaysWhatIsMissing) {
  TempDir dir;
  const std::string message = error_of<IoError>(dir.path().string());
  EXPECT_NE(message.find("model.safetensors"), std::string::npos) << message;
}

TEST(Checkpoint, OpensSharedModelFolders) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto checkpoint = SafetensorsCheckpoint::open((shared / "models/tiny-bert").string());
  EXPECT_FALSE(checkpoint.names().empty());
  for (const auto& name : checkpoint.names()) {
    const TensorInfo& info = checkpoint.get(name);
    if (is_float(info.dtype)) {
      EXPECT_EQ(checkpoint.load_f32(name).numel(), info.numel());
    }
  }
}

}  // namespace
}  // namespace attnscope
