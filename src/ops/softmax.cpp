#include "ops/softmax.h"

#include <cmath>
#include <limits>

namespace attnscope::ops {

void softmax_rows(float* data, int64_t rows, int64_t cols, int64_t stride) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
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

}  // namespace attnscope::ops
