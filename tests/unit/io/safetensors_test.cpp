// Reader and writer: round trips for every float dtype, integer widening, and real golden files.
#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

using ::attnscope::testing::TempDir;

Tensor random_tensor(const Shape& shape, uint32_t seed) {
  Tensor t(shape);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (float& v : t.values()) v = normal(rng);
  return t;
}

TEST(SafetensorsRoundTrip, F32IsExact) {
  TempDir dir;
  const Tensor a = random_tensor({3, 4, 5}, 1);
  const Tensor b = random_tensor({7}, 2);
  SafetensorsWriter writer;
  writer.add_f32("b", b);
  writer.add_f32("a", a);
  writer.set_metadata("text", "the quick fox");
  writer.write(dir.file("x.safetensors"));

  SafetensorsFile file(dir.file("x.safetensors"));
  ASSERT_EQ(file.tensors().size(), 2u);
  EXPECT_EQ(file.tensors()[0].name, "a");  // sorted by name
  EXPECT_EQ(file.metadata().at("text"), "the quick fox");
  const Tensor got = file.load_f32("a");
  EXPECT_EQ(got.shape(), a.shape());
  for (int64_t i = 0; i < a.numel(); ++i) {
    ASSERT_EQ(got.data()[i], a.data()[i]) << "first mismatch at index " << i;
  }
  EXPECT_EQ(file.load_f32("b").values()[6], b.values()[6]);
}

TEST(SafetensorsRoundTrip, F16AndBF16WithinRounding) {
  TempDir dir;
  const Tensor a = random_tensor({64, 33}, 3);
  SafetensorsWriter writer;
  writer.add_f32("half", a, DType::kF16);
  writer.add_f32("brain", a, DType::kBF16);
  writer.write(dir.file("h.safetensors"));

  SafetensorsFile file(dir.file("h.safetensors"));
  EXPECT_EQ(file.get("half").dtype, DType::kF16);
  EXPECT_EQ(file.get("brain").dtype, DType::kBF16);
  EXPECT_EQ(file.get("half").data_end - file.get("half").data_begin, 64u * 33u * 2u);
  const Tensor half = file.load_f32("half");
  const Tensor brain = file.load_f32("brain");
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float v = a.data()[i];
    // Round to nearest: relative error at most half a unit in the last place
    // (F16: 10 mantissa bits -> 2^-11; BF16: 7 bits -> 2^-8). Values here are normal in F16.
    ASSERT_LE(std::fabs(half.data()[i] - v), std::fabs(v) * 0x1p-11f + 0x1p-25f) << "index " << i;
    ASSERT_LE(std::fabs(brain.data()[i] - v), std::fabs(v) * 0x1p-8f) << "index " << i;
  }
}

TEST(SafetensorsRoundTrip, F64RawIsConverted) {
  TempDir dir;
  const std::vector<double> values = {1.5, -2.25, 1e-3, 3.0e10};
  SafetensorsWriter writer;
  writer.add_raw("d", DType::kF64, {2, 2}, std::as_bytes(std::span(values)));
  writer.write(dir.file("d.safetensors"));
  const Tensor got = SafetensorsFile(dir.file("d.safetensors")).load_f32("d");
  ASSERT_EQ(got.shape(), (Shape{2, 2}));
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(got.data()[i], static_cast<float>(values[i]));
  }
}

TEST(SafetensorsRoundTrip, IntegersWidenToI64) {
  TempDir dir;
  const std::vector<int64_t> ids = {101, -7, 0, int64_t{1} << 40};
  const std::vector<int32_t> i32 = {-1, 2, 2147483647};
  const std::vector<uint8_t> u8 = {0, 255, 7};
  const std::vector<uint8_t> flags = {0, 1, 1, 0};
  SafetensorsWriter writer;
  writer.add_i64("ids", {4}, ids);
  writer.add_raw("i32", DType::kI32, {3}, std::as_bytes(std::span(i32)));
  writer.add_raw("u8", DType::kU8, {3}, std::as_bytes(std::span(u8)));
  writer.add_raw("mask", DType::kBool, {2, 2}, std::as_bytes(std::span(flags)));
  writer.write(dir.file("i.safetensors"));

  SafetensorsFile file(dir.file("i.safetensors"));
  EXPECT_EQ(file.load_i64("ids"), ids);
  EXPECT_EQ(file.load_i64("i32"), (std::vector<int64_t>{-1, 2, 2147483647}));
  EXPECT_EQ(file.load_i64("u8"), (std::vector<int64_t>{0, 255, 7}));
  EXPECT_EQ(file.load_i64("mask"), (std::vector<int64_t>{0, 1, 1, 0}));
  EXPECT_THROW(file.load_f32("ids"), UnsupportedError);
}

TEST(SafetensorsRoundTrip, EmptyAndScalarTensors) {
  TempDir dir;
  SafetensorsWriter writer;
  writer.add_f32("empty", Tensor({0, 5}));
  writer.add_f32("scalar", Tensor({}, {3.5f}));
  writer.add_f32("z_after", Tensor({2}, {1.0f, 2.0f}));
  writer.write(dir.file("e.safetensors"));
  SafetensorsFile file(dir.file("e.safetensors"));
  EXPECT_EQ(file.load_f32("empty").numel(), 0);
  EXPECT_EQ(file.load_f32("empty").shape(), (Shape{0, 5}));
  EXPECT_EQ(file.load_f32("scalar").values()[0], 3.5f);
  EXPECT_EQ(file.load_f32("z_after").values()[1], 2.0f);
}

TEST(SafetensorsWriter, HeaderIsPaddedToEightBytesAndOrderedByName) {
  SafetensorsWriter writer;
  writer.add_f32("zeta", Tensor({1}));
  writer.add_f32("alpha", Tensor({3}));
  writer.set_metadata("k", "v");
  const std::string bytes = writer.serialize();
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = header_size << 8 | static_cast<uint8_t>(bytes[i]);
  EXPECT_EQ(header_size % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + header_size + 4 * 4);
  const std::string header = bytes.substr(8, header_size);
  EXPECT_LT(header.find("\"alpha\""), header.find("\"zeta\""));
  EXPECT_NE(header.find("\"data_offsets\":[0,12]"), std::string::npos) << header;
  EXPECT_NE(header.find("\"data_offsets\":[12,16]"), std::string::npos) << header;
}

TEST(SafetensorsWriter, RejectsBadInput) {
  SafetensorsWriter writer;
  writer.add_f32("a", Tensor({1}));
  EXPECT_THROW(writer.add_f32("a", Tensor({1})), InputError);
  EXPECT_THROW(writer.add_f32("__metadata__", Tensor({1})), InputError);
  EXPECT_THROW(writer.add_f32("b", Tensor({1}), DType::kI64), UnsupportedError);
  const std::vector<int64_t> three = {1, 2, 3};
  EXPECT_THROW(writer.add_i64("c", {2}, three), ShapeError);
}

TEST(SafetensorsFile, MissingTensorIsShapeErrorNamingIt) {
  TempDir dir;
  SafetensorsWriter writer;
  writer.add_f32("present", Tensor({1}));
  writer.write(dir.file("m.safetensors"));
  SafetensorsFile file(dir.file("m.safetensors"));
  EXPECT_EQ(file.find("absent"), nullptr);
  try {
    file.get("absent");
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("'absent'"), std::string::npos) << e.what();
  }
}

TEST(SafetensorsFile, MissingFileIsIoError) {
  EXPECT_THROW(SafetensorsFile("/nonexistent/attnscope/none.safetensors"), IoError);
}

TEST(SafetensorsGolden, ReadsTinyBertFox) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  SafetensorsFile file((shared / "golden/attention/tiny-bert/fox.safetensors").string());
  const TensorInfo& ids = file.get("input_ids");
  EXPECT_EQ(ids.dtype, DType::kI64);
  ASSERT_EQ(ids.shape.size(), 1u);
  const int64_t tokens = ids.shape[0];
  const std::vector<int64_t> id_values = file.load_i64("input_ids");
  ASSERT_EQ(static_cast<int64_t>(id_values.size()), tokens);
  EXPECT_EQ(id_values.front(), 101);  // [CLS]
  EXPECT_EQ(id_values.back(), 102);   // [SEP]

  const Tensor attentions = file.load_f32("attentions");
  ASSERT_EQ(attentions.shape(), (Shape{2, 4, tokens, tokens}));  // [layer, head, query, key]
  for (int64_t row = 0; row < 2 * 4 * tokens; ++row) {
    double sum = 0;
    for (int64_t key_pos = 0; key_pos < tokens; ++key_pos) {
      sum += attentions.data()[row * tokens + key_pos];
    }
    ASSERT_NEAR(sum, 1.0, 1e-5) << "row " << row;
  }
  EXPECT_FALSE(file.metadata().at("text").empty());
}

TEST(SafetensorsGolden, ReadsEverySharedFile) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  int opened = 0;
  for (const auto& item : std::filesystem::recursive_directory_iterator(shared)) {
    if (item.path().extension() != ".safetensors") continue;
    SCOPED_TRACE(item.path().string());
    SafetensorsFile file(item.path().string());
    for (const TensorInfo& info : file.tensors()) {
      EXPECT_EQ(file.raw(info).size(), info.data_end - info.data_begin);
    }
    ++opened;
  }
  EXPECT_GT(opened, 10);
}

}  // namespace
}  // namespace attnscope
