// Test helpers for comparing computed tensors with expected ones: the maximum absolute error
// and, on failure, the first index past the tolerance with both values (STYLE.md habit 8).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/tensor.h"

namespace attnscope::testing {

inline std::string format_index(int64_t flat, const Shape& shape) {
  std::string out = "]";
  for (size_t axis = shape.size(); axis-- > 0;) {
    out = (axis == 0 ? "[" : ", ") + std::to_string(flat % shape[axis]) + out;
    flat /= shape[axis];
  }
  return out;
}

inline float max_abs(std::span<const float> values) {
  float m = 0.0f;
  for (float v : values) m = std::max(m, std::fabs(v));
  return m;
}

// Passes when every |got - expected| <= tolerance (NaN fails).
inline ::testing::AssertionResult all_close(const std::string& what, std::span<const float> got,
                                            std::span<const float> expected, const Shape& shape,
                                            double tolerance) {
  if (got.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << what << ": " << got.size() << " values, expected " << expected.size();
  }
  double worst = 0.0;
  int64_t first_bad = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    const double error = std::fabs(static_cast<double>(got[i]) - expected[i]);
    if (!(error <= tolerance) && first_bad < 0) first_bad = static_cast<int64_t>(i);
    if (error > worst || std::isnan(error)) worst = std::isnan(error) ? INFINITY : error;
  }
  if (first_bad >= 0) {
    return ::testing::AssertionFailure()
           << what << ": max abs error " << worst << " > tolerance " << tolerance
           << "; first mismatch at " << format_index(first_bad, shape) << ": got " << got[first_bad]
           << ", expected " << expected[first_bad];
  }
  return ::testing::AssertionSuccess() << what << ": max abs error " << worst;
}

inline ::testing::AssertionResult all_close(const std::string& what, const Tensor& got,
                                            const Tensor& expected, double tolerance) {
  if (got.shape() != expected.shape()) {
    return ::testing::AssertionFailure() << what << ": shape " << format_shape(got.shape())
                                         << ", expected " << format_shape(expected.shape());
  }
  return all_close(what, got.values(), expected.values(), got.shape(), tolerance);
}

// The contract for hidden states and logits: within 1e-4 of the expected tensor's max |value|.
inline ::testing::AssertionResult close_at_scale(const std::string& what, const Tensor& got,
                                                 const Tensor& expected) {
  return all_close(what, got, expected, 1e-4 * max_abs(expected.values()));
}

// Attention invariants over [..., query_pos, key_pos]: every row with a visible key sums to 1
// within `tolerance`, a row without one is all zeros; entries for keys where
// key_visible(plane, query, key) is false are exactly 0.
template <typename Visible>
::testing::AssertionResult attention_invariants(const std::string& what, const Tensor& probs,
                                                Visible key_visible, double tolerance = 1e-5) {
  const int64_t T = probs.shape().back();
  const int64_t rows = probs.numel() / T;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = probs.data() + r * T;
    const int64_t query = r % T;
    double sum = 0.0;
    bool any_visible = false;
    for (int64_t key = 0; key < T; ++key) {
      const bool visible = key_visible(r / T, query, key);
      any_visible = any_visible || visible;
      if (!visible && row[key] != 0.0f) {
        return ::testing::AssertionFailure()
               << what << ": masked entry at " << format_index(r * T + key, probs.shape()) << " is "
               << row[key] << ", expected exactly 0";
      }
      sum += row[key];
    }
    if (std::fabs(sum - (any_visible ? 1.0 : 0.0)) > tolerance) {
      return ::testing::AssertionFailure()
             << what << ": row " << format_index(r * T, probs.shape()) << " sums to " << sum;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace attnscope::testing
