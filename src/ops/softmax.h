// Softmax over the rows of a matrix, the step that turns attention scores into probabilities.
// Computed in f32 with the row maximum subtracted first. Masked entries are written as -infinity
// before the call and come out exactly 0; a row whose entries are all masked becomes all zeros
// (never NaN).
//
//   scores[j] = masked ? -INFINITY : q·k_j * scale;   // [query_pos, key_pos]
//   softmax_rows(scores, num_queries, num_keys);
#pragma once

#include <cstdint>

namespace attnscope::ops {

// In place over `rows` rows of `cols` values each, rows `stride` floats apart (stride >= cols).
void softmax_rows(float* data, int64_t rows, int64_t cols, int64_t stride);
inline void softmax_rows(float* data, int64_t rows, int64_t cols) {
  softmax_rows(data, rows, cols, cols);
}

}  // namespace attnscope::ops
