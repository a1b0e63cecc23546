// BLOOM (BloomModel / BloomForCausalLM): ALiBi position biases (slope_h · key_pos added to the
// scores; no position embeddings), a LayerNorm right after the word embeddings, pre-norm
// LayerNorm blocks, biases everywhere, a 4·hidden GELU-tanh MLP, tied LM head. The fused
// query_key_value is laid out per head as [q_h, k_h, v_h] and regrouped when read.
#include "core/error.h"
#include "model/archs/archs.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "bloom");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size", cj::get_int(json, "n_embed", 64));
  c.num_hidden_layers = cj::get_int(json, "n_layer");
  c.num_attention_heads = cj::get_int(json, "n_head");
  c.num_key_value_heads = c.num_attention_heads;
  c.intermediate_size = 4 * c.hidden_size;
  c.layer_norm_eps = cj::get_double(json, "layer_norm_epsilon", 1e-5);
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", true);
  c.hidden_act = "bloom_gelu";
  c.activation = Activation::kGeluTanh;  // bloom_gelu_forward: the tanh form
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  if (cj::get_bool(json, "apply_residual_connection_post_layernorm", false)) {
    refuse_field(json, "apply_residual_connection_post_layernorm",
                 "the residual taken after the LayerNorm is not implemented");
  }
  // pretraining_tp / slow_but_exact only split the output projections into slices summed in
  // another order: accepted.
  c.position = PositionKind::kAlibi;
  c.embedding_norm = true;
  c.causal = true;
  c.qkv_bias = c.attn_out_bias = c.mlp_bias = true;
  c.final_norm = true;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  ModelWeights w;
  w.token_embedding = reader.take("word_embeddings.weight", {c.vocab_size, hidden});
  take_norm(reader, c, "word_embeddings_layernorm", w.embedding_norm_weight, w.embedding_norm_bias);
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_norm(reader, c, p + "input_layernorm", l.attn_norm_weight, l.attn_norm_bias);
    Weight qkv_w;
    Tensor qkv_b;
    take_linear(reader, p + "self_attention.query_key_value", c.qkv_dim(), hidden, true, qkv_w,
                qkv_b);
    // view(T, heads, 3, head_dim): per head [q, k, v], the grouped layout with groups of one.
    l.qkv_weight = regroup_qkv(qkv_w, c.num_attention_heads, 1, c.head_dim);
    l.qkv_bias = regroup_qkv(qkv_b, c.num_attention_heads, 1, c.head_dim, 1);
    take_linear(reader, p + "self_attention.dense", hidden, c.q_dim(), true, l.attn_out_weight,
                l.attn_out_bias);
    take_norm(reader, c, p + "post_attention_layernorm", l.mlp_norm_weight, l.mlp_norm_bias);
    take_linear(reader, p + "mlp.dense_h_to_4h", inter, hidden, true, l.mlp_up_weight,
                l.mlp_up_bias);
    take_linear(reader, p + "mlp.dense_4h_to_h", hidden, inter, true, l.mlp_down_weight,
                l.mlp_down_bias);
  }
  take_norm(reader, c, "ln_f", w.final_norm_weight, w.final_norm_bias);
  take_lm_head(reader, c, "lm_head.weight", w);
  return w;
}

}  // namespace

const ArchSpec& bloom_arch() {
  static const ArchSpec spec = {
      .family = "bloom",
      .architectures = {"BloomForCausalLM", "BloomModel"},
      .model_types = {"bloom"},
      .base_prefix = "transformer",
      .ignored = {"score.*", "qa_outputs.*", "classifier.*"},
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["BloomForCausalLM"], "model_type": "bloom",
        "vocab_size": 50, "hidden_size": 36, "n_layer": 2, "n_head": 6,
        "layer_norm_epsilon": 1e-5, "apply_residual_connection_post_layernorm": false})",
  };
  return spec;
}

}  // namespace attnscope
