// Softmax over the rows of a matrix, the step that turns attention scores into probabilities.
// Computed in f32 with the row maximum subtracted first. Masked entries come out exactly 0; a
// row whose entries are all masked becomes all zeros (never NaN).
//
// softmax_rows is the plain, libm-exact form (the reference forward uses it); the forward pass
// uses softmax_row_range, which applies the mask itself (a visible key range plus a per-key
// padding bias, no -infinity pass over the scores) and vectorises (exp_f32, ops/fast_math.h).
//
//   scores[j] = masked ? -INFINITY : q·k_j * scale;   // [query_pos, key_pos]
//   softmax_rows(scores, num_queries, num_keys);
//
//   // causal row i of [query_pos, key_pos], padded keys carry -inf in key_bias [key_pos]
//   softmax_row_range(scores + i * T, T, /*begin=*/0, /*end=*/i + 1, key_bias);
#pragma once

#include <cstdint>

namespace attnscope::ops {

// In place over `rows` rows of `cols` values each, rows `stride` floats apart (stride >= cols).
void softmax_rows(float* data, int64_t rows, int64_t cols, int64_t stride);
inline void softmax_rows(float* data, int64_t rows, int64_t cols) {
  softmax_rows(data, rows, cols, cols);
}

// One row of `cols` scores in place: the softmax of row[j] + key_bias[j] over the keys j in
// [begin, end); every entry outside that range becomes exactly 0. key_bias ([cols], entries 0
// or -infinity) may be null. A row with no visible key (an empty range, or every visible key
// padded) becomes all zeros. Returns false, and leaves NaN in the visible range, when the
// visible scores are not finite (NaN, +inf, or all -inf without padding): that row is no
// distribution, and the caller reports it instead of passing zeros on.
bool softmax_row_range(float* row, int64_t cols, int64_t begin, int64_t end, const float* key_bias);

}  // namespace attnscope::ops
