// ALiBi slopes, GPT-J's interleaved rotary and the non-parametric LayerNorm against direct
// formulas (the fast and the reference forward both call these, so they are checked here alone).
#include "ops/alibi.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/norm.h"
#include "ops/rotary.h"

namespace attnscope::ops {
namespace {

TEST(Alibi, PowerOfTwoHeads) {
  EXPECT_EQ(alibi_slopes(4), (std::vector<float>{0.25f, 1.0f / 16, 1.0f / 64, 1.0f / 256}));
  const std::vector<float> eight = alibi_slopes(8);  // 2^(-(h+1))
  for (int h = 0; h < 8; ++h) EXPECT_FLOAT_EQ(eight[h], std::exp2(-(h + 1.0f)));
}

TEST(Alibi, OtherHeadCountsTakeEveryOtherSlopeOfTheNextPower) {
  // 6 heads: the 4-head slopes, then 2^(-8(2i+1)/8) for i = 0, 1.
  EXPECT_EQ(alibi_slopes(6),
            (std::vector<float>{0.25f, 1.0f / 16, 1.0f / 64, 1.0f / 256, 0.5f, 0.125f}));
  EXPECT_EQ(alibi_slopes(1), (std::vector<float>{1.0f / 256}));
  const std::vector<float> twelve = alibi_slopes(12);  // m = 8, extra from 16 heads
  ASSERT_EQ(twelve.size(), 12u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(twelve[8 + i], std::exp2(-8.0 * (2 * i + 1) / 16.0), 1e-7);
  }
}

TEST(Rotary, InterleavedPairsTurnByTheirOwnAngle) {
  const RotaryTable table(4, 10000.0, 8);  // angles: pos · 1, pos · 0.01
  std::vector<float> v = {1, 0, 0, 1, 7};  // pairs (v0, v1), (v2, v3); v4 not rotated
  apply_rotary_interleaved(v.data(), table, 3);
  EXPECT_NEAR(v[0], std::cos(3.0), 1e-6);
  EXPECT_NEAR(v[1], std::sin(3.0), 1e-6);
  EXPECT_NEAR(v[2], -std::sin(0.03), 1e-6);
  EXPECT_NEAR(v[3], std::cos(0.03), 1e-6);
  EXPECT_EQ(v[4], 7.0f);
}

TEST(Norm, LayerNormWithoutWeightOrBias) {
  const std::vector<float> x = {1, 2, 3, 6};
  std::vector<float> y(4);
  layer_norm(x.data(), 1, 4, nullptr, nullptr, 1e-5f, y.data());
  const double mean = 3.0, var = (4 + 1 + 0 + 9) / 4.0;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], (x[i] - mean) / std::sqrt(var + 1e-5), 1e-6);
}

}  // namespace
}  // namespace attnscope::ops
