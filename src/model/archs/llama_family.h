// What Llama, Mistral, Qwen2 and Gemma share: the same tensor names under "model.", RMSNorm,
// rotary positions, a gated MLP. Each family's file states only how it differs (a Flavor).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "model/arch.h"

namespace attnscope::llama_family {

struct Flavor {
  std::string_view family;
  NormKind norm = NormKind::kRmsNorm;
  bool tie_word_embeddings_default = false;
  bool qkv_bias_always = false;      // Qwen2: q/k/v projections always have biases
  bool read_attention_bias = false;  // Llama, Gemma: "attention_bias" adds biases to q/k/v/o
  bool read_mlp_bias = false;        // Llama: "mlp_bias" adds biases to gate/up/down
  bool read_sliding_window = false;  // Mistral, Qwen2 (see parse())
  bool scale_embeddings = false;     // Gemma: embeddings · sqrt(hidden_size)
  // The config key naming the MLP activation and its default. Gemma reads hidden_activation
  // only (transformers 4.40.2 ignores its hidden_act, which real checkpoints set to exact "gelu").
  std::string_view activation_key = "hidden_act";
  std::string_view activation_default = "silu";
  // Defaults of the transformers 4.40.2 config class for keys a config.json may omit.
  double rms_norm_eps_default = 1e-6;
  double rope_theta_default = 10000.0;
  int64_t max_position_embeddings_default = 2048;
  int64_t num_key_value_heads_default = 0;  // 0: num_attention_heads (also for an explicit null)
  int64_t head_dim_default = 0;             // 0: hidden_size / num_attention_heads
};

ModelConfig parse(const nlohmann::json& json, const Flavor& flavor);
ModelWeights load(WeightReader& reader, const ModelConfig& config);

inline constexpr std::string_view kBasePrefix = "model";
inline const std::vector<std::string_view> kIgnored = {"*.rotary_emb.inv_freq"};

}  // namespace attnscope::llama_family
