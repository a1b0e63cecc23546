// The vectorisable exp / erf of ops/fast_math.h against libm in double, and the buffer-wide
// activations and the masked softmax built on them against their exact scalar forms.
#include "ops/fast_math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/activation.h"
#include "ops/softmax.h"

namespace attnscope::ops {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Distance from `value` to `exact` in units of the f32 spacing at `exact`.
double ulp_error(float value, double exact) {
  const float rounded = static_cast<float>(exact);
  const double spacing = std::nextafter(rounded, kInf) - rounded;
  return std::fabs(static_cast<double>(value) - exact) / spacing;
}

TEST(FastMath, ExpWithinTwoUlpOverTheNormalRange) {
  double worst = 0;
  float worst_x = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.000731f) {
    const double error = ulp_error(exp_f32(x), std::exp(static_cast<double>(x)));
    if (error > worst) {
      worst = error;
      worst_x = x;
    }
  }
  EXPECT_LE(worst, 2.0) << "at x = " << worst_x;
  EXPECT_EQ(exp_f32(0.0f), 1.0f);
}

TEST(FastMath, ExpLimits) {
  EXPECT_EQ(exp_f32(-kInf), 0.0f);  // masked softmax entries must be exactly 0
  EXPECT_EQ(exp_f32(-87.5f), 0.0f);
  EXPECT_EQ(exp_f32(-1000.0f), 0.0f);
  EXPECT_TRUE(std::isfinite(exp_f32(1000.0f)));
  EXPECT_TRUE(std::isfinite(exp_f32(kInf)));
  EXPECT_GT(exp_f32(88.0f), 1e38f);
}

TEST(FastMath, ErfAbsoluteErrorAndOddness) {
  double worst = 0;
  float worst_x = 0;
  for (float x = -10.0f; x <= 10.0f; x += 0.0001237f) {
    const double error = std::fabs(erf_f32(x) - std::erf(static_cast<double>(x)));
    if (error > worst) {
      worst = error;
      worst_x = x;
    }
    ASSERT_EQ(erf_f32(-x), -erf_f32(x)) << "x = " << x;
  }
  EXPECT_LE(worst, 6e-7) << "at x = " << worst_x;
  EXPECT_EQ(erf_f32(20.0f), 1.0f);
  EXPECT_EQ(erf_f32(-kInf), -1.0f);
}

// The activations in double, as references for the f32 buffer forms.
double exact_activation(Activation activation, double x) {
  switch (activation) {
    case Activation::kGeluErf:
      return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    case Activation::kGeluTanh:
      return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case Activation::kSilu:
      return x / (1.0 + std::exp(-x));
    case Activation::kRelu:
      return x > 0 ? x : 0.0;
  }
  return 0;
}

TEST(FastMath, BufferActivationsAreAccurateEverywhere) {
  for (Activation activation :
       {Activation::kGeluErf, Activation::kGeluTanh, Activation::kSilu, Activation::kRelu}) {
    std::vector<float> values;
    for (float x = -12.0f; x <= 12.0f; x += 0.000917f) values.push_back(x);
    const std::vector<float> inputs = values;
    std::vector<float> gated = values;
    const std::vector<float> up(values.size(), 0.5f);
    apply_activation(activation, values.data(), static_cast<int64_t>(values.size()));
    apply_gated_activation(activation, gated.data(), up.data(), static_cast<int64_t>(gated.size()));
    for (size_t i = 0; i < values.size(); ++i) {
      const double exact = exact_activation(activation, inputs[i]);
      // Relative accuracy, also in the negative tails (no 1 - erf or 1 + tanh cancellation),
      // down to x = -6 (|values| ~ 1e-8): 1e-6 plus the rounding of x²/2 in the exponent. Beyond,
      // values are below 1e-8 and only an absolute bound matters.
      const double x = inputs[i];
      const double tolerance =
          (1e-6 + 1e-7 * std::min(x * x, 36.0)) * std::fabs(exact) + (x < -6.0 ? 1e-12 : 0.0);
      ASSERT_NEAR(values[i], exact, tolerance)
          << activation_name(activation) << " at " << inputs[i];
      ASSERT_NEAR(gated[i], 0.5 * exact, tolerance)
          << activation_name(activation) << " at " << inputs[i];
    }
  }
}

TEST(SoftmaxRowRange, FullRangeMatchesSoftmaxRows) {
  std::vector<float> row = {0.5f, -1.0f, 3.0f, 2.0f, -7.0f, 0.0f};
  std::vector<float> expected = row;
  softmax_rows(expected.data(), 1, 6);
  softmax_row_range(row.data(), 6, 0, 6, nullptr);
  for (size_t j = 0; j < row.size(); ++j) EXPECT_NEAR(row[j], expected[j], 2e-7f) << j;
}

TEST(SoftmaxRowRange, OutsideTheRangeAndBiasedKeysAreExactlyZero) {
  std::vector<float> row = {9.0f, 1.0f, 1.0f, 5.0f, 9.0f};
  const std::vector<float> bias = {0.0f, 0.0f, 0.0f, -kInf, 0.0f};
  softmax_row_range(row.data(), 5, 1, 4, bias.data());  // keys 1..3, key 3 padded
  EXPECT_EQ(row[0], 0.0f);
  EXPECT_EQ(row[3], 0.0f);
  EXPECT_EQ(row[4], 0.0f);
  EXPECT_FLOAT_EQ(row[1], 0.5f);
  EXPECT_FLOAT_EQ(row[2], 0.5f);
}

TEST(SoftmaxRowRange, NoVisibleKeyGivesZeros) {
  std::vector<float> row = {1.0f, 2.0f, 3.0f};
  const std::vector<float> bias = {-kInf, -kInf, 0.0f};
  softmax_row_range(row.data(), 3, 0, 2, bias.data());
  for (float v : row) EXPECT_EQ(v, 0.0f);
  std::vector<float> empty_range = {1.0f, 2.0f};
  softmax_row_range(empty_range.data(), 2, 1, 1, nullptr);
  for (float v : empty_range) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace attnscope::ops
