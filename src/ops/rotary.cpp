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
    : RotaryTable(rotary_inverse_frequencies(rotary_dim, theta), num_positions) {}

RotaryTable::RotaryTable(const std::vector<float>& inv_freq, int64_t num_positions,
                         const RotaryAngles& angles)
    : rotary_dim_(2 * static_cast<int64_t>(inv_freq.size())), num_positions_(num_positions) {
  if (inv_freq.empty()) throw ShapeError("rotary table needs at least one inverse frequency");
  const int64_t half = rotary_dim_ / 2;
  cos_.resize(num_positions * half);
  sin_.resize(num_positions * half);
  for (int64_t position = 0; position < num_positions; ++position) {
    // HF: position_ids.float() / scaling_factor, an f32 division (exact for a divisor of 1).
    const float scaled_position = static_cast<float>(position) / angles.position_divisor;
    for (int64_t i = 0; i < half; ++i) {
      // The angle is rounded to f32 (HF multiplies f32 tensors); cos/sin of it in double,
      // rounded once, equal PyTorch's f32 kernels to within an ulp.
      const float angle = scaled_position * inv_freq[i];
      float cos = static_cast<float>(std::cos(static_cast<double>(angle)));
      float sin = static_cast<float>(std::sin(static_cast<double>(angle)));
      if (angles.attention_factor != 1.0f) {  // HF: emb.cos() * attention_scaling, in f32
        cos *= angles.attention_factor;
        sin *= angles.attention_factor;
      }
      cos_[position * half + i] = cos;
      sin_[position * half + i] = sin;
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

void apply_rotary_interleaved(float* vec, const RotaryTable& table, int64_t position) {
  const int64_t half = table.rotary_dim() / 2;
  const float* cos = table.cos(position);
  const float* sin = table.sin(position);
  for (int64_t i = 0; i < half; ++i) {
    const float x0 = vec[2 * i];
    const float x1 = vec[2 * i + 1];
    // HF GPT-J: x * cos + rotate_every_two(x) * sin, rotate_every_two(x) = (-x1, x0) per pair,
    // cos and sin repeated for both entries of a pair.
    vec[2 * i] = x0 * cos[i] + (-x1) * sin[i];
    vec[2 * i + 1] = x1 * cos[i] + x0 * sin[i];
  }
}

}  // namespace attnscope::ops
