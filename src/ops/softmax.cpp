#include "ops/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/fast_math.h"

namespace attnscope::ops {

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
}  // namespace

void softmax_rows(float* data, int64_t rows, int64_t cols, int64_t stride) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = data + r * stride;
    float max_value = kNegInf;
    for (int64_t c = 0; c < cols; ++c) max_value = std::max(max_value, row[c]);
    if (max_value == kNegInf) {  // every key masked: no distribution, all zeros
      for (int64_t c = 0; c < cols; ++c) row[c] = 0.0f;
      continue;
    }
    float sum = 0.0f;
    for (int64_t c = 0; c < cols; ++c) {
      // exp(-inf) is exactly 0, so masked entries stay exactly 0.
      row[c] = std::exp(row[c] - max_value);
      sum += row[c];
    }
    const float inverse = 1.0f / sum;
    for (int64_t c = 0; c < cols; ++c) row[c] *= inverse;
  }
}

bool softmax_row_range(float* row, int64_t cols, int64_t begin, int64_t end,
                       const float* key_bias) {
  begin = std::clamp<int64_t>(begin, 0, cols);
  end = std::clamp<int64_t>(end, begin, cols);
  std::fill(row, row + begin, 0.0f);
  std::fill(row + end, row + cols, 0.0f);
  float* visible = row + begin;  // [key_pos - begin]
  const int64_t count = end - begin;
  if (key_bias != nullptr) {
    const float* bias = key_bias + begin;
#pragma omp simd
    for (int64_t j = 0; j < count; ++j) visible[j] += bias[j];
  }
  float max_value = kNegInf;
#pragma omp simd reduction(max : max_value)
  for (int64_t j = 0; j < count; ++j) max_value = std::max(max_value, visible[j]);
  // OpenMP's max reduction may start from the lowest finite float instead of -inf (clang does):
  // a row whose visible scores are all -inf then reads -FLT_MAX here.
  if (max_value == std::numeric_limits<float>::lowest() &&
      std::all_of(visible, visible + count, [](float v) { return v == kNegInf; })) {
    max_value = kNegInf;
  }
  if (max_value == kNegInf) {
    // No visible key (all padded): no distribution, all zeros. Visible keys whose scores are
    // all -inf (an overflow) are not that: the scores are not finite.
    const bool padded =
        count == 0 || (key_bias != nullptr && std::all_of(key_bias + begin, key_bias + end,
                                                          [](float b) { return b == kNegInf; }));
    std::fill(visible, visible + count, padded ? 0.0f : std::numeric_limits<float>::quiet_NaN());
    return padded;
  }
  if (!std::isfinite(max_value)) {  // +inf (NaN never wins std::max; the sum catches it)
    std::fill(visible, visible + count, std::numeric_limits<float>::quiet_NaN());
    return false;
  }
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < count; ++j) {
    visible[j] = exp_f32(visible[j] - max_value);  // exp_f32(-inf) is exactly 0
    sum += visible[j];
  }
  if (!std::isfinite(sum)) {  // a NaN score
    std::fill(visible, visible + count, std::numeric_limits<float>::quiet_NaN());
    return false;
  }
  const float inverse = 1.0f / sum;
#pragma omp simd
  for (int64_t j = 0; j < count; ++j) visible[j] *= inverse;
  return true;
}

}  // namespace attnscope::ops
