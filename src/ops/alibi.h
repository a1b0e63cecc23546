// ALiBi (BLOOM): attention scores get slope_h · key_pos added, one slope per head. For n heads
// with m = 2^floor(log2 n): slope_h = 2^(−8(h+1)/m) for h < m, and when n is not a power of two
// the other n − m heads take every other slope of 2m heads, 2^(−8(2i+1)/(2m)), i = 0, 1, ...
// Computed as transformers' build_alibi_tensor does: base^power in f32.
//
//   std::vector<float> slopes = alibi_slopes(4);  // 1/4, 1/16, 1/64, 1/256
#pragma once

#include <cstdint>
#include <vector>

namespace attnscope::ops {

std::vector<float> alibi_slopes(int64_t num_heads);

}  // namespace attnscope::ops
