#include "ops/norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace attnscope::ops {
namespace {

TEST(LayerNorm, KnownValues) {
  const std::vector<float> x = {1, 2, 3, 4};
  const std::vector<float> weight = {1, 1, 2, 1};
  const std::vector<float> bias = {0, 0, 0, 1};
  std::vector<float> y(4);
  layer_norm(x.data(), 1, 4, weight.data(), bias.data(), 0.0f, y.data());
  const double inv_std = 1.0 / std::sqrt(1.25);  // mean 2.5, variance 1.25
  EXPECT_NEAR(y[0], -1.5 * inv_std, 1e-6);
  EXPECT_NEAR(y[2], 2 * 0.5 * inv_std, 1e-6);
  EXPECT_NEAR(y[3], 1.5 * inv_std + 1, 1e-6);
}

TEST(LayerNorm, InPlaceAndEpsilon) {
  std::vector<float> x = {5, 5};
  const std::vector<float> weight = {1, 1};
  layer_norm(x.data(), 1, 2, weight.data(), nullptr, 1e-5f, x.data());
  EXPECT_EQ(x[0], 0.0f);  // zero variance: eps keeps it finite
}

TEST(RmsNorm, PlainAndOnePlusWeights) {
  const std::vector<float> x = {3, 4};  // mean square 12.5
  const std::vector<float> weight = {2, 0.5f};
  std::vector<float> y(2);
  rms_norm(x.data(), 1, 2, weight.data(), 0.0f, RmsWeight::kPlain, y.data());
  const double inv = 1.0 / std::sqrt(12.5);
  EXPECT_NEAR(y[0], 2 * 3 * inv, 1e-6);
  EXPECT_NEAR(y[1], 0.5 * 4 * inv, 1e-6);
  rms_norm(x.data(), 1, 2, weight.data(), 0.0f, RmsWeight::kOnePlus, y.data());
  EXPECT_NEAR(y[0], 3 * 3 * inv, 1e-6);
  EXPECT_NEAR(y[1], 1.5 * 4 * inv, 1e-6);
}

}  // namespace
}  // namespace attnscope::ops
