// Rotary position embeddings in the "rotate half" layout of Hugging Face's Llama and GPT-NeoX:
// the first `rotary_dim` entries of each head vector are split into halves (x1, x2) and become
// (x1·cos − x2·sin, x2·cos + x1·sin). GPT-NeoX rotates only the first rotary_pct of the head.
// Frequencies and angles are computed in f32 exactly as HF does, so results match to 1e-5:
//   inv_freq[i] = 1 / theta^(f32(2i) / rotary_dim),  angle = f32(position) · inv_freq[i].
// Scaled variants (model/rope_scaling.h) pass their own inverse frequencies and RotaryAngles.
//
//   RotaryTable table(/*rotary_dim=*/16, /*theta=*/10000.0, /*positions=*/tokens);
//   apply_rotary(q_head, table, position);   // q_head: [head_dim], rotates q_head[0:16]
#pragma once

#include <cstdint>
#include <vector>

namespace attnscope::ops {

// How a position becomes cos and sin, each step rounded to f32 as PyTorch does:
//   angle = (f32(position) / position_divisor) · inv_freq[i]
//   cos = f32(cos(angle)) · attention_factor,  sin likewise.
// The defaults (1, 1) change nothing.
struct RotaryAngles {
  float position_divisor = 1.0f;  // linear rope scaling (transformers 4.40.2 divides positions)
  float attention_factor = 1.0f;  // yarn: cos and sin are multiplied by it
};

// cos and sin for positions 0..num_positions-1, each [position, rotary_dim / 2].
class RotaryTable {
 public:
  RotaryTable(int64_t rotary_dim, double theta, int64_t num_positions);
  // From given inverse frequencies [rotary_dim / 2] (rotary_dim = 2 · inv_freq.size()).
  RotaryTable(const std::vector<float>& inv_freq, int64_t num_positions,
              const RotaryAngles& angles = {});

  int64_t rotary_dim() const { return rotary_dim_; }
  int64_t num_positions() const { return num_positions_; }
  const float* cos(int64_t position) const { return cos_.data() + position * (rotary_dim_ / 2); }
  const float* sin(int64_t position) const { return sin_.data() + position * (rotary_dim_ / 2); }

 private:
  int64_t rotary_dim_;
  int64_t num_positions_;
  std::vector<float> cos_;  // [position, rotary_dim / 2]
  std::vector<float> sin_;  // [position, rotary_dim / 2]
};

// HF's inv_freq: [rotary_dim / 2].
std::vector<float> rotary_inverse_frequencies(int64_t rotary_dim, double theta);

// Rotates vec[0 : table.rotary_dim()] in place for `position`; the rest of vec is untouched.
void apply_rotary(float* vec, const RotaryTable& table, int64_t position);
// GPT-J's rotate_every_two layout: pairs (2i, 2i + 1) turn by angle i,
// (x0, x1) -> (x0·cos − x1·sin, x1·cos + x0·sin). Same table as apply_rotary.
void apply_rotary_interleaved(float* vec, const RotaryTable& table, int64_t position);

}  // namespace attnscope::ops
