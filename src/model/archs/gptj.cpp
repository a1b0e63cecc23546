// GPT-J (GPTJModel / GPTJForCausalLM): one LayerNorm feeding attention and MLP in parallel
// (x + attn(ln x) + mlp(ln x)), rotary on the first rotary_dim entries of each head in
// interleaved pairs (2i, 2i + 1), no position embeddings, q/k/v/out without bias, an LM head
// with a bias. Config uses GPT-2's names (n_embd, n_head, n_layer, n_inner, n_positions).
#include "core/error.h"
#include "model/archs/archs.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "gptj");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "n_embd");
  c.num_hidden_layers = cj::get_int(json, "n_layer");
  c.num_attention_heads = cj::get_int(json, "n_head");
  c.num_key_value_heads = c.num_attention_heads;
  c.intermediate_size = cj::get_int(json, "n_inner", 4 * c.hidden_size);  // null = 4 · n_embd
  c.max_position_embeddings = cj::get_int(json, "n_positions", 2048);
  c.layer_norm_eps = cj::get_double(json, "layer_norm_epsilon", 1e-5);
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", false);
  c.hidden_act = cj::get_string(json, "activation_function", "gelu_new");
  c.activation = cj::get_activation(json, "activation_function", "gelu_new");
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  // rotary_dim null: the whole head is rotated.
  c.rotary_dims = cj::get_int(json, "rotary_dim", c.head_dim);
  if (c.rotary_dims <= 0) throw ConfigError("rotary_dim", "must be positive");
  c.rotary_style = RotaryStyle::kInterleaved;
  c.position = PositionKind::kRotary;
  c.residual = ResidualKind::kParallelSharedNorm;
  c.causal = true;
  c.mlp_bias = true;
  c.lm_head_bias = true;
  c.final_norm = true;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  ModelWeights w;
  w.token_embedding = reader.take("wte.weight", {c.vocab_size, hidden});
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_norm(reader, c, p + "ln_1", l.attn_norm_weight, l.attn_norm_bias);
    take_separate_qkv(reader, c, p + "attn.q_proj", p + "attn.k_proj", p + "attn.v_proj", false, l);
    take_linear(reader, p + "attn.out_proj", hidden, c.q_dim(), false, l.attn_out_weight,
                l.attn_out_bias);
    take_linear(reader, p + "mlp.fc_in", inter, hidden, true, l.mlp_up_weight, l.mlp_up_bias);
    take_linear(reader, p + "mlp.fc_out", hidden, inter, true, l.mlp_down_weight, l.mlp_down_bias);
  }
  take_norm(reader, c, "ln_f", w.final_norm_weight, w.final_norm_bias);
  take_lm_head(reader, c, "lm_head.weight", w);
  if (!c.tie_word_embeddings) {
    w.lm_head_bias = reader.take_head_optional("lm_head.bias", {c.vocab_size});
  }
  return w;
}

}  // namespace

const ArchSpec& gptj_arch() {
  static const ArchSpec spec = {
      .family = "gptj",
      .architectures = {"GPTJForCausalLM", "GPTJModel"},
      .model_types = {"gptj"},
      .base_prefix = "transformer",
      .ignored = {"*.attn.bias", "*.attn.masked_bias", "score.*", "qa_outputs.*"},
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["GPTJForCausalLM"], "model_type": "gptj",
        "vocab_size": 50, "n_embd": 32, "n_layer": 2, "n_head": 4, "n_inner": null,
        "n_positions": 40, "rotary_dim": 4, "layer_norm_epsilon": 1e-5,
        "activation_function": "gelu_new", "tie_word_embeddings": false})",
  };
  return spec;
}

}  // namespace attnscope
