#include "ops/alibi.h"

#include <algorithm>
#include <cmath>

namespace attnscope::ops {

std::vector<float> alibi_slopes(int64_t num_heads) {
  int64_t closest = 1;  // largest power of two <= num_heads
  while (closest * 2 <= num_heads) closest *= 2;
  // base = 2^(−(2^−(log2(m) − 3))) = 2^(−8/m), as an f32 tensor; slope = base^power in f32.
  const auto base_of = [](int64_t m) {
    return static_cast<float>(std::exp2(-8.0 / static_cast<double>(m)));
  };
  std::vector<float> slopes;
  slopes.reserve(num_heads);
  const float base = base_of(closest);
  for (int64_t power = 1; power <= closest; ++power) {
    slopes.push_back(static_cast<float>(std::pow(base, static_cast<float>(power))));
  }
  if (closest != num_heads) {
    const float extra_base = base_of(2 * closest);
    const int64_t remaining = std::min(closest, num_heads - closest);
    for (int64_t i = 0; i < remaining; ++i) {
      slopes.push_back(static_cast<float>(std::pow(extra_base, static_cast<float>(2 * i + 1))));
    }
  }
  return slopes;
}

}  // namespace attnscope::ops
