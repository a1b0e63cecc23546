// GPT-NeoX / Pythia (GPTNeoXModel / GPTNeoXForCausalLM): pre-norm LayerNorm, rotary positions on
// the first rotary_pct of each head, parallel residual (use_parallel_residual), GELU MLP, untied
// embed_out head. The fused query_key_value weight is laid out per head as [head, (q|k|v),
// head_dim]; it is read in place as our [q heads | k heads | v heads] rows (Weight::select_rows).
#include "core/error.h"
#include "model/archs/archs.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "gpt_neox");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size");
  c.num_hidden_layers = cj::get_int(json, "num_hidden_layers");
  c.num_attention_heads = cj::get_int(json, "num_attention_heads");
  c.num_key_value_heads = c.num_attention_heads;
  c.intermediate_size = cj::get_int(json, "intermediate_size");
  c.max_position_embeddings = cj::get_int(json, "max_position_embeddings", 2048);
  c.layer_norm_eps = cj::get_double(json, "layer_norm_eps", 1e-5);
  // 4.40.2 reads rotary_pct; newer configs may call it partial_rotary_factor.
  c.rotary_pct =
      cj::get_double(json, "rotary_pct", cj::get_double(json, "partial_rotary_factor", 0.25));
  // 4.40 reads rotary_emb_base; later versions call it rope_theta.
  c.rope_theta =
      cj::get_double(json, "rotary_emb_base", cj::get_double(json, "rope_theta", 10000.0));
  // 4.40.2 GPTNeoXDynamicNTKScalingRotaryEmbedding computes its base from Python numbers.
  c.rope_scaling = parse_rope_scaling(json, DynamicArithmetic::kFloat64);
  const bool parallel = cj::get_bool(json, "use_parallel_residual", true);
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", false);
  c.hidden_act = cj::get_string(json, "hidden_act", "gelu");
  c.activation = cj::get_activation(json, "hidden_act", "gelu");
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  const bool bias = cj::get_bool(json, "attention_bias", true);
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  refuse_pruned_heads(json);
  c.norm = NormKind::kLayerNorm;
  c.norm_placement = NormPlacement::kPreNorm;
  c.position = PositionKind::kRotary;
  c.mlp = MlpKind::kPlain;
  c.residual = parallel ? ResidualKind::kParallel : ResidualKind::kSequential;
  c.causal = true;
  c.qkv_bias = c.attn_out_bias = bias;
  c.mlp_bias = true;
  c.final_norm = true;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  const int64_t heads = c.num_attention_heads, head_dim = c.head_dim;
  ModelWeights w;
  w.token_embedding = reader.take("embed_in.weight", {c.vocab_size, hidden});
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_norm(reader, c, p + "input_layernorm", l.attn_norm_weight, l.attn_norm_bias);
    Weight qkv_w;
    Tensor qkv_b;
    take_linear(reader, p + "attention.query_key_value", c.qkv_dim(), hidden, c.qkv_bias, qkv_w,
                qkv_b);
    // Per head [q, k, v]: the grouped layout with one query per group, read in place.
    l.qkv_weight = regroup_qkv(qkv_w, heads, 1, head_dim);
    if (c.qkv_bias) l.qkv_bias = regroup_qkv(qkv_b, heads, 1, head_dim, 1);
    take_linear(reader, p + "attention.dense", hidden, c.q_dim(), c.attn_out_bias,
                l.attn_out_weight, l.attn_out_bias);
    take_norm(reader, c, p + "post_attention_layernorm", l.mlp_norm_weight, l.mlp_norm_bias);
    take_linear(reader, p + "mlp.dense_h_to_4h", inter, hidden, true, l.mlp_up_weight,
                l.mlp_up_bias);
    take_linear(reader, p + "mlp.dense_4h_to_h", hidden, inter, true, l.mlp_down_weight,
                l.mlp_down_bias);
  }
  take_norm(reader, c, "final_layer_norm", w.final_norm_weight, w.final_norm_bias);
  take_lm_head(reader, c, "embed_out.weight", w);
  return w;
}

}  // namespace

const ArchSpec& gpt_neox_arch() {
  static const ArchSpec spec = {
      .family = "gpt_neox",
      .architectures = {"GPTNeoXForCausalLM", "GPTNeoXModel"},
      .model_types = {"gpt_neox"},
      .base_prefix = "gpt_neox",
      // Mask and rotary buffers some checkpoints carry.
      .ignored = {"*.attention.bias", "*.attention.masked_bias", "*.rotary_emb.inv_freq"},
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "rotary_pct": 0.5, "rotary_emb_base": 10000,
        "use_parallel_residual": true, "layer_norm_eps": 1e-5, "hidden_act": "gelu",
        "max_position_embeddings": 64})",
  };
  return spec;
}

}  // namespace attnscope
