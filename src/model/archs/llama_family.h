// What Llama, Mistral, Qwen2 and Gemma share: the same tensor names under "model.", RMSNorm,
// rotary positions, a gated MLP. Each family's file states only how it differs (a Flavor).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "model/arch.h"

namespace attnscope::llama_family {

struct Flavor {
  std::string_view family;
  bool tie_word_embeddings_default = false;
  bool qkv_bias_always = false;           // Qwen2: q/k/v projections always have biases
  bool read_attention_bias = false;       // Llama, Gemma: "attention_bias" adds biases to q/k/v/o
  bool read_mlp_bias = false;             // Llama: "mlp_bias" adds biases to gate/up/down
  bool read_sliding_window = false;       // Mistral, Qwen2, Mixtral, Qwen2-MoE (see parse())
  int64_t sliding_window_default = 4096;  // when the key is absent (0: no window)
  bool scale_embeddings = false;          // Gemma: embeddings · sqrt(hidden_size)
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
// Reads what every Llama-like checkpoint shares (embed_tokens, per layer input_layernorm and,
// unless the residual shares one norm, post_attention_layernorm; the final norm; lm_head) and
// calls `layer` (prefix "layers.<i>.", index, weights) for each layer's attention and MLP.
using LayerLoader = std::function<void(const std::string& prefix, int64_t layer, LayerWeights&)>;
ModelWeights load_layers(WeightReader& reader, const ModelConfig& config, const LayerLoader& layer);
// mlp.gate_proj / up_proj / down_proj (+ biases with mlp_bias).
void load_gated_mlp(WeightReader& reader, const ModelConfig& config, const std::string& prefix,
                    LayerWeights& out);
// One expert: `prefix` + names.gate / up / down + ".weight" ([width, hidden] / [hidden, width]).
struct ExpertNames {
  std::string gate, up, down;
};
void load_expert(WeightReader& reader, const std::string& prefix, const ExpertNames& names,
                 int64_t hidden, int64_t width, ExpertWeights& out);
// The attention half shared by every Llama-like family: q/k/v (+ biases as the config says) and
// o_proj under `prefix` + "self_attn.".
void load_attention(WeightReader& reader, const ModelConfig& config, const std::string& prefix,
                    LayerWeights& out);

inline constexpr std::string_view kBasePrefix = "model";
inline const std::vector<std::string_view> kIgnored = {"*.rotary_emb.inv_freq"};

}  // namespace attnscope::llama_family
