#include "model/archs/llama_family.h"

#include <cmath>

#include "core/error.h"
#include "model/archs/archs.h"

namespace attnscope::llama_family {

using namespace arch_helpers;
namespace cj = config_json;

namespace {

// The window of Mistral and Qwen2 as transformers 4.40.2's eager path applies it: an absent key
// is the config class default, null is no window, and the mask converter refuses a window <= 0.
// Every layer gets the same window: the eager path passes config.sliding_window to the causal
// mask of the whole model; Qwen2's use_sliding_window and max_window_layers only steer its
// flash-attention path (newer transformers apply them to eager attention too).
int64_t parse_sliding_window(const nlohmann::json& json, int64_t absent) {
  if (!json.contains("sliding_window")) return absent;
  if (json["sliding_window"].is_null()) return 0;
  const int64_t window = cj::get_int(json, "sliding_window");
  if (window <= 0) {
    throw ConfigError("sliding_window", "must be a positive integer or null (no window), got " +
                                            std::to_string(window));
  }
  return window;
}

}  // namespace

ModelConfig parse(const nlohmann::json& json, const Flavor& flavor) {
  ModelConfig c;
  set_identity(c, json, flavor.family);
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size");
  c.num_hidden_layers = cj::get_int(json, "num_hidden_layers");
  c.num_attention_heads = cj::get_int(json, "num_attention_heads");
  // An absent key takes the config class default; null means "same as the query heads".
  const bool kv_absent = !json.contains("num_key_value_heads");
  c.num_key_value_heads = kv_absent && flavor.num_key_value_heads_default > 0
                              ? flavor.num_key_value_heads_default
                              : cj::get_int(json, "num_key_value_heads", c.num_attention_heads);
  c.intermediate_size = cj::get_int(json, "intermediate_size");
  c.max_position_embeddings =
      cj::get_int(json, "max_position_embeddings", flavor.max_position_embeddings_default);
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kFromConfig);
  if (!c.head_dim_from_config && flavor.head_dim_default > 0) {
    c.head_dim = flavor.head_dim_default;
    c.head_dim_from_config = true;
  }
  refuse_pruned_heads(json);
  c.rms_norm_eps = cj::get_double(json, "rms_norm_eps", flavor.rms_norm_eps_default);
  c.rope_theta = cj::get_double(json, "rope_theta", flavor.rope_theta_default);
  c.rope_scaling = parse_rope_scaling(json, DynamicArithmetic::kFloat32);
  c.tie_word_embeddings =
      cj::get_bool(json, "tie_word_embeddings", flavor.tie_word_embeddings_default);
  c.hidden_act = cj::get_string(json, flavor.activation_key, flavor.activation_default);
  c.activation = cj::get_activation(json, flavor.activation_key, flavor.activation_default);
  // Newer transformers rotate only this fraction of each head (4.40.2 ignores the key); the
  // rotate-half layout here rotates whole heads, so anything else is refused.
  if (cj::get_double(json, "partial_rotary_factor", 1.0) != 1.0) {
    refuse_field(json, "partial_rotary_factor", "only whole heads are rotated in this family");
  }
  // pretraining_tp > 1 makes 4.40.2 split each projection into slices and sum the partial
  // products: the same sums in another order, so it is accepted.
  if (flavor.read_sliding_window)
    c.sliding_window = parse_sliding_window(json, flavor.sliding_window_default);
  const bool attention_bias =
      flavor.read_attention_bias && cj::get_bool(json, "attention_bias", false);
  c.qkv_bias = flavor.qkv_bias_always || attention_bias;
  c.attn_out_bias = attention_bias;
  c.mlp_bias = flavor.read_mlp_bias && cj::get_bool(json, "mlp_bias", false);

  c.norm = NormKind::kRmsNorm;
  c.norm_affine = NormAffine::kWeightOnly;
  c.norm_placement = NormPlacement::kPreNorm;
  c.position = PositionKind::kRotary;
  c.mlp = MlpKind::kGated;
  c.residual = ResidualKind::kSequential;
  c.causal = true;
  c.final_norm = true;
  if (flavor.scale_embeddings) {
    // HF: torch.tensor(hidden_size ** 0.5, dtype=float32).
    c.embedding_scale = static_cast<float>(std::sqrt(static_cast<double>(c.hidden_size)));
  }
  c.validate();
  return c;
}

void load_attention(WeightReader& reader, const ModelConfig& c, const std::string& p,
                    LayerWeights& l) {
  take_separate_qkv(reader, c, p + "self_attn.q_proj", p + "self_attn.k_proj",
                    p + "self_attn.v_proj", c.qkv_bias, l);
  take_linear(reader, p + "self_attn.o_proj", c.hidden_size, c.q_dim(), c.attn_out_bias,
              l.attn_out_weight, l.attn_out_bias);
}

void load_gated_mlp(WeightReader& reader, const ModelConfig& c, const std::string& p,
                    LayerWeights& l) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  take_linear(reader, p + "mlp.gate_proj", inter, hidden, c.mlp_bias, l.mlp_gate_weight,
              l.mlp_gate_bias);
  take_linear(reader, p + "mlp.up_proj", inter, hidden, c.mlp_bias, l.mlp_up_weight, l.mlp_up_bias);
  take_linear(reader, p + "mlp.down_proj", hidden, inter, c.mlp_bias, l.mlp_down_weight,
              l.mlp_down_bias);
}

ModelWeights load_layers(WeightReader& reader, const ModelConfig& c, const LayerLoader& layer) {
  ModelWeights w;
  w.token_embedding = reader.take("embed_tokens.weight", {c.vocab_size, c.hidden_size});
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_norm(reader, c, p + "input_layernorm", l.attn_norm_weight, l.attn_norm_bias);
    if (c.residual != ResidualKind::kParallelSharedNorm) {
      take_norm(reader, c, p + "post_attention_layernorm", l.mlp_norm_weight, l.mlp_norm_bias);
    }
    layer(p, i, l);
  }
  take_norm(reader, c, "norm", w.final_norm_weight, w.final_norm_bias);
  take_lm_head(reader, c, "lm_head.weight", w);
  return w;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  return load_layers(reader, c, [&](const std::string& p, int64_t, LayerWeights& l) {
    load_attention(reader, c, p, l);
    load_gated_mlp(reader, c, p, l);
  });
}

void load_expert(WeightReader& reader, const std::string& p, const ExpertNames& names,
                 int64_t hidden, int64_t width, ExpertWeights& e) {
  e.gate_weight = reader.take(p + names.gate + ".weight", {width, hidden});
  e.up_weight = reader.take(p + names.up + ".weight", {width, hidden});
  e.down_weight = reader.take(p + names.down + ".weight", {hidden, width});
}

}  // namespace attnscope::llama_family
