#include "report/attention_report.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"

namespace attnscope::report {
namespace {

// Two heads of a causal 2-token layer with known values.
struct Fixture {
  std::vector<float> probs = {1.0f, 0.0f, 0.25f, 0.75f,  // head 3
                              1.0f, 0.0f, 0.6f,  0.4f};  // head 5
  AttentionSlice slice() const { return {{"a", "b"}, 2, {3, 5}, true, 2, probs}; }
};

TEST(AttentionJson, AttentionIndexedByHeadQueryKey) {
  Fixture f;
  const nlohmann::json j = attention_json(f.slice());
  EXPECT_EQ(j["layer"], 2);
  EXPECT_EQ(j["heads"], nlohmann::json({3, 5}));
  EXPECT_EQ(j["tokens"], nlohmann::json({"a", "b"}));
  EXPECT_TRUE(j["causal"].get<bool>());
  EXPECT_EQ(j["attention"][0][1][1].get<double>(), 0.75);
  EXPECT_FLOAT_EQ(j["attention"][1][1][0].get<float>(), 0.6f);  // the f32 value exactly
}

TEST(AttentionBinary, HeaderPaddingAndValues) {
  Fixture f;
  for (DType dtype : {DType::kF32, DType::kF16}) {
    const std::string body = attention_binary(f.slice(), dtype);
    uint32_t n = 0;
    std::memcpy(&n, body.data(), 4);
    const nlohmann::json header = nlohmann::json::parse(body.substr(4, n));
    EXPECT_EQ(header["shape"], nlohmann::json({2, 2, 2}));
    EXPECT_EQ(header["dtype"], dtype == DType::kF16 ? "f16" : "f32");
    EXPECT_FALSE(header.contains("attention"));
    const size_t start = (4 + n + 7) / 8 * 8;
    ASSERT_EQ(body.size(), start + 8 * dtype_size(dtype));
    for (size_t pad = 4 + n; pad < start; ++pad) EXPECT_EQ(body[pad], '\0');
    for (size_t i = 0; i < 8; ++i) {
      float value = 0;
      if (dtype == DType::kF32) {
        std::memcpy(&value, body.data() + start + 4 * i, 4);
      } else {
        uint16_t h = 0;
        std::memcpy(&h, body.data() + start + 2 * i, 2);
        value = f16_to_f32(h);
      }
      EXPECT_NEAR(value, f.probs[i], dtype == DType::kF16 ? 5e-4 : 0.0) << i;
    }
  }
}

TEST(AttentionSlice, WrongValueCountIsAShapeError) {
  Fixture f;
  AttentionSlice s = f.slice();
  s.num_tokens = 3;
  EXPECT_THROW(attention_json(s), ShapeError);
  EXPECT_THROW(attention_binary(s, DType::kF16), ShapeError);
  EXPECT_THROW(attention_binary(f.slice(), DType::kBF16), UnsupportedError);
}

}  // namespace
}  // namespace attnscope::report
