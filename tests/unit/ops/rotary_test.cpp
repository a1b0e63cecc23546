#include "ops/rotary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace attnscope::ops {
namespace {

TEST(Rotary, InverseFrequencies) {
  const std::vector<float> inv = rotary_inverse_frequencies(4, 10000.0);
  ASSERT_EQ(inv.size(), 2u);
  EXPECT_EQ(inv[0], 1.0f);
  EXPECT_FLOAT_EQ(inv[1], 0.01f);
  EXPECT_THROW(rotary_inverse_frequencies(3, 10000.0), ShapeError);
}

TEST(Rotary, RotatesHalvesAndLeavesTheRest) {
  const RotaryTable table(4, 10000.0, 8);
  // [x1_0, x1_1, x2_0, x2_1, pass]
  std::vector<float> v = {1, 1, 0, 0, 7};
  apply_rotary(v.data(), table, 3);
  EXPECT_NEAR(v[0], std::cos(3.0), 1e-6);
  EXPECT_NEAR(v[2], std::sin(3.0), 1e-6);
  EXPECT_NEAR(v[1], std::cos(0.03), 1e-6);
  EXPECT_NEAR(v[3], std::sin(0.03), 1e-6);
  EXPECT_EQ(v[4], 7.0f);
}

TEST(Rotary, PositionZeroIsIdentityAndNormIsKept) {
  const RotaryTable table(8, 10000.0, 64);
  std::vector<float> v = {0.3f, -1.2f, 2.0f, 0.5f, 1.0f, -0.7f, 0.1f, 0.9f};
  const std::vector<float> original = v;
  apply_rotary(v.data(), table, 0);
  EXPECT_EQ(v, original);
  apply_rotary(v.data(), table, 63);
  double before = 0, after = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    before += original[i] * original[i];
    after += v[i] * v[i];
  }
  EXPECT_NEAR(before, after, 1e-5);
}

TEST(Rotary, TableFromFrequenciesWithAngleOptions) {
  const std::vector<float> inv = rotary_inverse_frequencies(4, 10000.0);
  // The plain constructor is the frequency constructor with default options.
  const RotaryTable plain(4, 10000.0, 6);
  const RotaryTable same(inv, 6);
  EXPECT_EQ(same.rotary_dim(), 4);
  for (int64_t p = 0; p < 6; ++p) {
    for (int64_t i = 0; i < 2; ++i) {
      EXPECT_EQ(same.cos(p)[i], plain.cos(p)[i]);
      EXPECT_EQ(same.sin(p)[i], plain.sin(p)[i]);
    }
  }
  // position_divisor 2: position 2k is plain position k; attention_factor scales cos and sin.
  const RotaryTable scaled(inv, 6, {.position_divisor = 2.0f, .attention_factor = 1.25f});
  for (int64_t k = 0; k < 3; ++k) {
    for (int64_t i = 0; i < 2; ++i) {
      EXPECT_EQ(scaled.cos(2 * k)[i], plain.cos(k)[i] * 1.25f);
      EXPECT_EQ(scaled.sin(2 * k)[i], plain.sin(k)[i] * 1.25f);
    }
  }
  EXPECT_NEAR(scaled.cos(1)[0], 1.25 * std::cos(0.5), 1e-6);
  EXPECT_THROW(RotaryTable(std::vector<float>{}, 4), ShapeError);
}

}  // namespace
}  // namespace attnscope::ops
