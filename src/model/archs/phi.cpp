// Phi-1 / Phi-1.5 / Phi-2 (PhiModel / PhiForCausalLM): one LayerNorm feeding attention and MLP in
// parallel (x + dense(attn(ln x)) + fc2(gelu_new(fc1(ln x)))), rotary (rotate-half) on the first
// int(partial_rotary_factor · head_dim) entries of each head, biases on every projection and on
// the LM head.
#include "core/error.h"
#include "model/archs/archs.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "phi");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size");
  c.num_hidden_layers = cj::get_int(json, "num_hidden_layers");
  c.num_attention_heads = cj::get_int(json, "num_attention_heads");
  c.num_key_value_heads = cj::get_int(json, "num_key_value_heads", c.num_attention_heads);
  c.intermediate_size = cj::get_int(json, "intermediate_size");
  c.max_position_embeddings = cj::get_int(json, "max_position_embeddings", 2048);
  c.layer_norm_eps = cj::get_double(json, "layer_norm_eps", 1e-5);
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", false);
  c.hidden_act = cj::get_string(json, "hidden_act", "gelu_new");
  c.activation = cj::get_activation(json, "hidden_act", "gelu_new");
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  if (cj::get_bool(json, "qk_layernorm", false)) {
    refuse_field(json, "qk_layernorm", "Phi's shared q/k LayerNorm is not implemented");
  }
  c.rope_theta = cj::get_double(json, "rope_theta", 10000.0);
  c.rope_scaling = parse_rope_scaling(json, DynamicArithmetic::kFloat32);
  c.rotary_pct = cj::get_double(json, "partial_rotary_factor", 0.5);
  c.position = PositionKind::kRotary;
  c.residual = ResidualKind::kParallelSharedNorm;
  c.causal = true;
  c.qkv_bias = c.attn_out_bias = c.mlp_bias = c.lm_head_bias = true;
  c.final_norm = true;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  ModelWeights w;
  w.token_embedding = reader.take("embed_tokens.weight", {c.vocab_size, hidden});
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_norm(reader, c, p + "input_layernorm", l.attn_norm_weight, l.attn_norm_bias);
    take_separate_qkv(reader, c, p + "self_attn.q_proj", p + "self_attn.k_proj",
                      p + "self_attn.v_proj", true, l);
    take_linear(reader, p + "self_attn.dense", hidden, c.q_dim(), true, l.attn_out_weight,
                l.attn_out_bias);
    take_linear(reader, p + "mlp.fc1", inter, hidden, true, l.mlp_up_weight, l.mlp_up_bias);
    take_linear(reader, p + "mlp.fc2", hidden, inter, true, l.mlp_down_weight, l.mlp_down_bias);
  }
  take_norm(reader, c, "final_layernorm", w.final_norm_weight, w.final_norm_bias);
  take_lm_head(reader, c, "lm_head.weight", w);
  if (!c.tie_word_embeddings) {
    w.lm_head_bias = reader.take_head_optional("lm_head.bias", {c.vocab_size});
  }
  return w;
}

}  // namespace

const ArchSpec& phi_arch() {
  static const ArchSpec spec = {
      .family = "phi",
      .architectures = {"PhiForCausalLM", "PhiModel"},
      .model_types = {"phi"},
      .base_prefix = "model",
      .ignored = {"*.rotary_emb.inv_freq", "score.*", "classifier.*"},
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["PhiForCausalLM"], "model_type": "phi",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "partial_rotary_factor": 0.5, "layer_norm_eps": 1e-5,
        "hidden_act": "gelu_new", "max_position_embeddings": 40, "rope_theta": 10000.0})",
  };
  return spec;
}

}  // namespace attnscope
