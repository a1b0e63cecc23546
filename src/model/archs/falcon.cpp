// Falcon (FalconModel / FalconForCausalLM): rotate-half rotary on whole heads, GELU MLP
// (ffn_hidden_size), optional biases (bias), tied LM head. The fused query_key_value is grouped
// per kv head, [q .. q, k, v] per group, and regrouped when read. Three layouts:
//   new_decoder_architecture (falcon-40b/180b): num_kv_heads groups; ln_attn feeds attention and
//     ln_mlp the MLP, in parallel (num_ln_in_parallel_attn 1: one input_layernorm for both);
//   multi_query (falcon-7b): one kv head; parallel_attn: one input_layernorm feeds both branches;
//   neither (falcon-rw): a kv head per query head, per-head [q, k, v].
// parallel_attn false gives the sequential block with post_attention_layernorm.
#include "core/error.h"
#include "model/archs/archs.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

bool new_architecture(const nlohmann::json& json) {
  return cj::get_bool(json, "new_decoder_architecture", false);
}

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "falcon");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size");
  c.num_hidden_layers = cj::get_int(json, "num_hidden_layers", cj::get_int(json, "n_layer", 0));
  c.num_attention_heads = cj::get_int(json, "num_attention_heads", cj::get_int(json, "n_head", 0));
  if (new_architecture(json)) {
    c.num_key_value_heads = cj::get_int(json, "num_kv_heads", c.num_attention_heads);
  } else {
    c.num_key_value_heads = cj::get_bool(json, "multi_query", true) ? 1 : c.num_attention_heads;
  }
  c.intermediate_size = cj::get_int(json, "ffn_hidden_size", 4 * c.hidden_size);
  c.max_position_embeddings = cj::get_int(json, "max_position_embeddings", 2048);
  c.layer_norm_eps = cj::get_double(json, "layer_norm_epsilon", 1e-5);
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", true);
  c.hidden_act = cj::get_string(json, "activation", "gelu");
  c.activation = cj::get_activation(json, "activation", "gelu");
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  if (cj::get_bool(json, "alibi", false)) {
    refuse_field(json, "alibi", "Falcon's ALiBi variant is not implemented");
  }
  c.rope_theta = cj::get_double(json, "rope_theta", 10000.0);
  c.rope_scaling = parse_rope_scaling(json, DynamicArithmetic::kFloat32);
  c.position = PositionKind::kRotary;
  if (new_architecture(json)) {
    const int64_t norms = cj::get_int(json, "num_ln_in_parallel_attn", 2);
    if (norms != 1 && norms != 2) {
      throw ConfigError("num_ln_in_parallel_attn", "must be 1 or 2, got " + std::to_string(norms));
    }
    c.residual = norms == 2 ? ResidualKind::kParallel : ResidualKind::kParallelSharedNorm;
  } else {
    c.residual = cj::get_bool(json, "parallel_attn", true) ? ResidualKind::kParallelSharedNorm
                                                           : ResidualKind::kSequential;
  }
  const bool bias = cj::get_bool(json, "bias", false);
  c.qkv_bias = c.attn_out_bias = c.mlp_bias = bias;
  c.causal = true;
  c.final_norm = true;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  const int64_t kv = c.num_key_value_heads, group = c.num_attention_heads / kv;
  ModelWeights w;
  w.token_embedding = reader.take("word_embeddings.weight", {c.vocab_size, hidden});
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    if (c.residual == ResidualKind::kParallel) {
      take_norm(reader, c, p + "ln_attn", l.attn_norm_weight, l.attn_norm_bias);
      take_norm(reader, c, p + "ln_mlp", l.mlp_norm_weight, l.mlp_norm_bias);
    } else {
      take_norm(reader, c, p + "input_layernorm", l.attn_norm_weight, l.attn_norm_bias);
      if (c.residual == ResidualKind::kSequential) {
        take_norm(reader, c, p + "post_attention_layernorm", l.mlp_norm_weight, l.mlp_norm_bias);
      }
    }
    Weight qkv_w;
    Tensor qkv_b;
    take_linear(reader, p + "self_attention.query_key_value", c.qkv_dim(), hidden, c.qkv_bias,
                qkv_w, qkv_b);
    l.qkv_weight = regroup_qkv(qkv_w, kv, group, c.head_dim);
    if (c.qkv_bias) l.qkv_bias = regroup_qkv(qkv_b, kv, group, c.head_dim, 1);
    take_linear(reader, p + "self_attention.dense", hidden, c.q_dim(), c.attn_out_bias,
                l.attn_out_weight, l.attn_out_bias);
    take_linear(reader, p + "mlp.dense_h_to_4h", inter, hidden, c.mlp_bias, l.mlp_up_weight,
                l.mlp_up_bias);
    take_linear(reader, p + "mlp.dense_4h_to_h", hidden, inter, c.mlp_bias, l.mlp_down_weight,
                l.mlp_down_bias);
  }
  take_norm(reader, c, "ln_f", w.final_norm_weight, w.final_norm_bias);
  take_lm_head(reader, c, "lm_head.weight", w);
  return w;
}

}  // namespace

const ArchSpec& falcon_arch() {
  static const ArchSpec spec = {
      .family = "falcon",
      .architectures = {"FalconForCausalLM", "FalconModel"},
      .model_types = {"falcon"},
      .base_prefix = "transformer",
      .ignored = {"score.*", "qa_outputs.*", "classifier.*"},
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["FalconForCausalLM"], "model_type": "falcon",
        "vocab_size": 50, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_kv_heads": 2, "new_decoder_architecture": true, "multi_query": true,
        "parallel_attn": true, "bias": true, "alibi": false, "ffn_hidden_size": 48,
        "layer_norm_epsilon": 1e-5, "max_position_embeddings": 40, "rope_theta": 10000.0})",
  };
  return spec;
}

}  // namespace attnscope
