#include "ops/rotary.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace attnscope::ops {

std::vector<float> rotary_inverse_frequencies(int64_t rotary_dim, double theta) {
  if (rotary_dim <= 0 || rotary_dim % 2 != 0) {
    throw ShapeError("rotary dimension must be positive and even, got " +
                     std::to_string(rotary_dim));
  }
  // HF: 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)), every step in f32.
  const float base = static_cast<float>(theta);
  std::vector<float> inv_freq(rotary_dim / 2);
  for (int64_t i = 0; i < rotary_dim / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(rotary_dim);
    inv_freq[i] = 1.0f / std::pow(base, exponent);
  }
  return inv_freq;
}

RotaryTable::RotaryTable(int64_t rotary_dim, double theta, int64_t num_positions)
    : rotary_dim_(rotary_dim), num_positions_(num_positions) {
  const std::vector<float> inv_freq = rotary_inverse_frequencies(rotary_dim, theta);
  const int64_t half = rotary_dim / 2;
  cos_.resize(num_positions * half);
  sin_.resize(num_positions * half);
  for (int64_t position = 0; position < num_positions; ++position) {
    for (int64_t i = 0; i < half; ++i) {
      // The angle is rounded to f32 (HF multiplies f32 tensors); cos/sin of it in double,
      // rounded once, equal PyTorch's f32 kernels to within an ulp.
      const float angle = static_cast<float>(position) * inv_freq[i];
      cos_[position * half + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
      sin_[position * half + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
  }
}

void apply_rotary(float* vec, const RotaryTable& table, int64_t position) {
  const int64_t half = table.rotary_dim() / 2;
  const float* cos = table.cos(position);
  const float* sin = table.sin(position);
  for (int64_t i = 0; i < half; ++i) {
    const float x1 = vec[i];
    const float x2 = vec[i + half];
    // HF: q * cos + rotate_half(q) * sin, with rotate_half(q) = (-x2, x1).
    vec[i] = x1 * cos[i] + (-x2) * sin[i];
    vec[i + half] = x2 * cos[i] + x1 * sin[i];
  }
}

}  // namespace attnscope::ops
