#include "ops/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace attnscope::ops {
namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();

TEST(Softmax, KnownValuesAndRowSums) {
  std::vector<float> rows = {0, 0, 0, 0, 1, 2, 3, 4};  // [2, 4]
  softmax_rows(rows.data(), 2, 4);
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(rows[i], 0.25f);
  const double denom = std::exp(1.0) + std::exp(2.0) + std::exp(3.0) + std::exp(4.0);
  EXPECT_NEAR(rows[7], std::exp(4.0) / denom, 1e-7);
  float sum = 0;
  for (int i = 4; i < 8; ++i) sum += rows[i];
  EXPECT_NEAR(sum, 1.0f, 1e-6f);
}

TEST(Softmax, LargeScoresDoNotOverflow) {
  std::vector<float> row = {1000.0f, 1000.0f, -1000.0f};
  softmax_rows(row.data(), 1, 3);
  EXPECT_FLOAT_EQ(row[0], 0.5f);
  EXPECT_FLOAT_EQ(row[2], 0.0f);
}

TEST(Softmax, MaskedEntriesAreExactlyZero) {
  std::vector<float> row = {2.0f, kMasked, 2.0f, kMasked};
  softmax_rows(row.data(), 1, 4);
  EXPECT_EQ(row[1], 0.0f);
  EXPECT_EQ(row[3], 0.0f);
  EXPECT_FLOAT_EQ(row[0], 0.5f);
}

TEST(Softmax, FullyMaskedRowIsZerosNotNan) {
  std::vector<float> row = {kMasked, kMasked, kMasked};
  softmax_rows(row.data(), 1, 3);
  for (float v : row) EXPECT_EQ(v, 0.0f);
}

TEST(Softmax, StrideSkipsPadding) {
  std::vector<float> data = {0, 0, 7, 1, 1, 7};  // 2 rows of 2, stride 3
  softmax_rows(data.data(), 2, 2, 3);
  EXPECT_FLOAT_EQ(data[0], 0.5f);
  EXPECT_FLOAT_EQ(data[2], 7.0f);
  EXPECT_FLOAT_EQ(data[5], 7.0f);
}

}  // namespace
}  // namespace attnscope::ops
