// Scaled rotary embeddings: config.json "rope_scaling" turned into the inverse frequencies and
// angle options of ops::RotaryTable, computed step by step in f32 as PyTorch evaluates Hugging
// Face's formulas (a Python scalar meeting an f32 tensor is rounded to f32 first), so attention
// matches to 1e-5. Which transformers version each type follows:
//   linear   4.40.2 Llama / GPT-NeoX: angle = (f32(position) / factor) · inv_freq.
//   dynamic  4.40.2 Llama / GPT-NeoX ("dynamic NTK"): when the sequence (T tokens) is longer than
//            max_position_embeddings, base' = base · (factor·T/max − (factor − 1))^(d/(d−2)).
//            Llama evaluates base' in f32 tensor arithmetic, GPT-NeoX in Python doubles.
//   llama3   transformers >= 4.43 (Llama 3.1 / 3.2): low frequencies divided by factor, high ones
//            kept, the band between interpolated smoothly.
//   yarn     transformers >= 4.56 (explicit factor, after the fix of
//            huggingface/transformers#38224): ramp between interpolated (inv_freq / factor) and
//            extrapolated frequencies over a correction range of dimensions; cos and sin are
//            multiplied by attention_factor (default 0.1·ln(factor) + 1).
// 4.40.2 itself knows only linear and dynamic, and only for Llama and GPT-NeoX (Mistral, Qwen2 and
// Gemma ignore rope_scaling there); we apply every type to every rotary family as newer
// transformers do. Anything else (longrope, su, mrope, ...) is an UnsupportedError.
//
//   RopeScaling s = parse_rope_scaling(config_json, DynamicArithmetic::kFloat32);
//   ops::RotaryTable table = rotary_table(model_config, /*tokens=*/T);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ops/rotary.h"

namespace attnscope {

struct ModelConfig;

enum class RopeScalingType { kNone, kLinear, kDynamic, kLlama3, kYarn };

// How dynamic NTK evaluates its new base (see above).
enum class DynamicArithmetic {
  kFloat32,  // Llama 4.40.2 and newer transformers: seq_len is a tensor, every step in f32
  kFloat64,  // GPT-NeoX 4.40.2: seq_len is a Python int, the base a Python float
};

struct RopeScaling {
  RopeScalingType type = RopeScalingType::kNone;
  double factor = 1.0;
  // llama3 (required) and yarn (optional; 0 = max_position_embeddings).
  int64_t original_max_position_embeddings = 0;
  // llama3.
  double low_freq_factor = 0.0;
  double high_freq_factor = 0.0;
  // yarn.
  std::optional<double> attention_factor;  // else from factor (and mscale / mscale_all_dim)
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  bool truncate = true;
  // dynamic.
  DynamicArithmetic dynamic_arithmetic = DynamicArithmetic::kFloat32;

  bool enabled() const { return type != RopeScalingType::kNone; }
  // "linear (factor 2)", "none", ... for `attnscope info`.
  std::string describe() const;
  // The parsed fields as JSON (null when none), for `attnscope info --format json`.
  nlohmann::ordered_json to_json() const;
};

std::string_view rope_scaling_type_name(RopeScalingType type);

// Parses config.json "rope_scaling" (absent or null: none). The type comes from "rope_type" or
// its older name "type"; "default" is plain rotary. UnsupportedError for a type not computed
// here (the message lists the supported ones); ConfigError naming "rope_scaling.<field>" for a
// missing or invalid field. Keys a type does not use are ignored, as transformers does.
RopeScaling parse_rope_scaling(const nlohmann::json& config, DynamicArithmetic dynamic);

// What a RotaryTable needs: inverse frequencies [rotary_dim / 2] and the angle options.
struct RotaryParameters {
  std::vector<float> inv_freq;
  ops::RotaryAngles angles;
};

// The rotary parameters of a forward pass over `tokens` positions (dynamic NTK depends on it).
// ConfigError when the scaling needs max_position_embeddings and it is not positive.
RotaryParameters rotary_parameters(const RopeScaling& scaling, int64_t rotary_dim, double theta,
                                   int64_t max_position_embeddings, int64_t tokens);

// The table Model::forward and reference_forward use for `tokens` positions.
ops::RotaryTable rotary_table(const ModelConfig& config, int64_t tokens);

}  // namespace attnscope
