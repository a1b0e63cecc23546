#include "ops/gemm.h"

#include <gtest/gtest.h>

#include <vector>

namespace attnscope::ops {
namespace {

TEST(Gemm, LinearMatchesHandComputedValues) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};                 // [2, 3]
  const std::vector<float> weight = {1, 0, -1, 0.5f, 0.5f, 0.5f};  // [2, 3]
  const std::vector<float> bias = {10, 20};
  std::vector<float> y(4);  // [2, 2]
  linear(x.data(), 2, 3, weight.data(), bias.data(), 2, y.data());
  EXPECT_FLOAT_EQ(y[0], 1 - 3 + 10);
  EXPECT_FLOAT_EQ(y[1], 3 + 20);
  EXPECT_FLOAT_EQ(y[2], 4 - 6 + 10);
  EXPECT_FLOAT_EQ(y[3], 7.5f + 20);
  linear(x.data(), 2, 3, weight.data(), nullptr, 2, y.data());
  EXPECT_FLOAT_EQ(y[1], 3);
}

TEST(Gemm, StridedTransposedProduct) {
  // A [2, 2] read from a [2, 4] buffer (lda 4); B^T from [3, 2]; C [2, 3] with ldc 5.
  const std::vector<float> a = {1, 2, 99, 99, 3, 4, 99, 99};
  const std::vector<float> b = {1, 0, 0, 1, 1, 1};  // [n=3, k=2]
  std::vector<float> c(10, -1.0f);
  gemm(false, true, 2, 3, 2, 2.0f, a.data(), 4, b.data(), 2, 0.0f, c.data(), 5);
  EXPECT_FLOAT_EQ(c[0], 2);
  EXPECT_FLOAT_EQ(c[1], 4);
  EXPECT_FLOAT_EQ(c[2], 6);
  EXPECT_FLOAT_EQ(c[3], -1);  // outside the [2, 3] block: untouched
  EXPECT_FLOAT_EQ(c[5], 6);
  EXPECT_FLOAT_EQ(c[7], 14);
}

}  // namespace
}  // namespace attnscope::ops
