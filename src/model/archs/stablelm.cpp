// StableLM (StableLmForCausalLM, stablelm-2 / stablelm-3b-4e1t): LayerNorm with bias, rotary
// (rotate-half) on the first int(partial_rotary_factor · head_dim) entries, SwiGLU MLP,
// use_qkv_bias; use_parallel_residual gives x + attn(ln x) + mlp(ln x) with no
// post_attention_layernorm; qk_layernorm adds a weight-only LayerNorm per head over head_dim to
// q and k (q_layernorm.norms.<h>, k_layernorm.norms.<kv head>) before rotary.
#include "core/error.h"
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "stablelm");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size");
  c.num_hidden_layers = cj::get_int(json, "num_hidden_layers");
  c.num_attention_heads = cj::get_int(json, "num_attention_heads");
  c.num_key_value_heads = cj::get_int(json, "num_key_value_heads", c.num_attention_heads);
  c.intermediate_size = cj::get_int(json, "intermediate_size");
  c.max_position_embeddings = cj::get_int(json, "max_position_embeddings", 4096);
  c.layer_norm_eps = cj::get_double(json, "layer_norm_eps", 1e-5);
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", false);
  c.hidden_act = cj::get_string(json, "hidden_act", "silu");
  c.activation = cj::get_activation(json, "hidden_act", "silu");
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  c.rope_theta = cj::get_double(json, "rope_theta", 10000.0);
  c.rope_scaling = parse_rope_scaling(json, DynamicArithmetic::kFloat32);
  c.rotary_pct = cj::get_double(json, "partial_rotary_factor", 0.25);
  c.position = PositionKind::kRotary;
  c.residual = cj::get_bool(json, "use_parallel_residual", false)
                   ? ResidualKind::kParallelSharedNorm
                   : ResidualKind::kSequential;
  c.qk_norm = cj::get_bool(json, "qk_layernorm", false) ? QkNorm::kPerHeadLayerNorm : QkNorm::kNone;
  c.qkv_bias = cj::get_bool(json, "use_qkv_bias", false);
  c.mlp = MlpKind::kGated;
  c.causal = true;
  c.final_norm = true;
  c.validate();
  return c;
}

// Per-head norm weights `name`.norms.<h>.weight [head_dim] stacked into [heads, head_dim].
Tensor per_head_norms(WeightReader& reader, const std::string& name, int64_t heads,
                      int64_t head_dim) {
  std::vector<Tensor> rows;
  for (int64_t h = 0; h < heads; ++h) {
    rows.push_back(reader.take(name + ".norms." + std::to_string(h) + ".weight", {head_dim}));
  }
  if (rows.front().shape().empty()) return {};  // recording mode
  std::vector<float> values;
  for (const Tensor& row : rows)
    values.insert(values.end(), row.values().begin(), row.values().end());
  return Tensor({heads, head_dim}, std::move(values));
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  return llama_family::load_layers(reader, c, [&](const std::string& p, int64_t, LayerWeights& l) {
    llama_family::load_attention(reader, c, p, l);
    if (c.qk_norm == QkNorm::kPerHeadLayerNorm) {
      l.q_norm_weight =
          per_head_norms(reader, p + "self_attn.q_layernorm", c.num_attention_heads, c.head_dim);
      l.k_norm_weight =
          per_head_norms(reader, p + "self_attn.k_layernorm", c.num_key_value_heads, c.head_dim);
    }
    llama_family::load_gated_mlp(reader, c, p, l);
  });
}

}  // namespace

const ArchSpec& stablelm_arch() {
  static const ArchSpec spec = {
      .family = "stablelm",
      .architectures = {"StableLmForCausalLM", "StableLmModel"},
      .model_types = {"stablelm"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["StableLmForCausalLM"], "model_type": "stablelm",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "partial_rotary_factor": 0.5,
        "layer_norm_eps": 1e-5, "use_qkv_bias": true, "qk_layernorm": true,
        "use_parallel_residual": true, "hidden_act": "silu", "max_position_embeddings": 40})",
  };
  return spec;
}

}  // namespace attnscope
