// Small attention matrices with known statistics, shared by the analysis unit tests.
#pragma once

#include <cstdint>
#include <vector>

#include "model/observer.h"

namespace attnscope::analysis::testing {

using Matrix = std::vector<std::vector<float>>;  // [query_pos, key_pos]

// n x n identity: every query attends to itself.
Matrix identity(int64_t n);
// Row 0 attends to itself, row i >= 1 to i - 1 (a causal previous-token head).
Matrix shifted_identity(int64_t n);
// Uniform over the visible keys (j <= i when causal).
Matrix uniform(int64_t n, bool causal);
// Every row on key `column`.
Matrix column(int64_t n, int64_t column);
// Random rows (fixed seed) over the visible keys, each summing to 1; peaked when `sharpness`
// is large.
Matrix random_rows(int64_t n, bool causal, uint32_t seed, double sharpness = 3.0);

// Holds the [head, query_pos, key_pos] buffer and mask that a LayerAttention points into.
struct LayerBuffer {
  std::vector<float> probs;   // [head, query_pos, key_pos]
  std::vector<int64_t> mask;  // [key_pos]; empty = no padding
  LayerAttention view(int layer, bool causal, int64_t sequence = 0) const;
  int64_t heads = 0;
  int64_t tokens = 0;
};

LayerBuffer make_layer(const std::vector<Matrix>& heads, std::vector<int64_t> mask = {});

// Places `real` (n x n) into a padded T x T matrix at the real positions of `mask`; padded query
// rows attend uniformly to the real keys (Hugging Face still computes them).
Matrix pad(const Matrix& real, const std::vector<int64_t>& mask);

}  // namespace attnscope::analysis::testing
