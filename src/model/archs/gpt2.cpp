// GPT-2 (GPT2Model / GPT2LMHeadModel): pre-norm LayerNorm, learned absolute positions, GELU-tanh
// MLP, tied LM head. Its linear layers are Conv1D modules storing weights as [in, out]: the GEMM
// reads them in that layout (Weight::transposed), and the fused c_attn [hidden, 3·hidden] is
// already q | k | v by columns. Config uses GPT-2's own names (n_embd, n_head, n_layer, n_inner,
// n_positions, layer_norm_epsilon, activation_function).
#include "core/error.h"
#include "model/archs/archs.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "gpt2");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "n_embd");
  c.num_hidden_layers = cj::get_int(json, "n_layer");
  c.num_attention_heads = cj::get_int(json, "n_head");
  c.num_key_value_heads = c.num_attention_heads;
  c.intermediate_size = cj::get_int(json, "n_inner", 4 * c.hidden_size);  // null = 4 · n_embd
  c.max_position_embeddings = cj::get_int(json, "n_positions");
  c.layer_norm_eps = cj::get_double(json, "layer_norm_epsilon", 1e-5);
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", true);
  c.hidden_act = cj::get_string(json, "activation_function", "gelu_new");
  c.activation = cj::get_activation(json, "activation_function", "gelu_new");
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  refuse_pruned_heads(json);
  // Score scaling as GPT2Attention: / sqrt(head_dim) unless scale_attn_weights is false, and
  // / (layer_idx + 1) with scale_attn_by_inverse_layer_idx.
  c.score_scale = cj::get_bool(json, "scale_attn_weights", true) ? ScoreScale::kInverseSqrtHeadDim
                                                                 : ScoreScale::kNone;
  c.layer_score_scale = cj::get_bool(json, "scale_attn_by_inverse_layer_idx", false)
                            ? LayerScoreScale::kInverseLayerIndex
                            : LayerScoreScale::kNone;
  // reorder_and_upcast_attn only changes the dtype of the score matmul (to f32) and folds both
  // scale factors into it; in f32 that is the computation done here, so it is accepted.
  c.norm = NormKind::kLayerNorm;
  c.norm_placement = NormPlacement::kPreNorm;
  c.position = PositionKind::kAbsolute;
  c.mlp = MlpKind::kPlain;
  c.residual = ResidualKind::kSequential;
  c.causal = true;
  c.qkv_bias = c.attn_out_bias = c.mlp_bias = true;
  c.final_norm = true;
  c.validate();
  return c;
}

// Conv1D: weight [in, out], read as our [out, in] where it lies (no transpose); bias [out].
void take_conv1d(WeightReader& reader, const std::string& name, int64_t in, int64_t out,
                 Weight& weight, Tensor& bias) {
  weight = reader.take(name + ".weight", {in, out}).transposed();
  bias = reader.take(name + ".bias", {out});
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  ModelWeights w;
  w.token_embedding = reader.take("wte.weight", {c.vocab_size, hidden});
  w.position_embedding = reader.take("wpe.weight", {c.max_position_embeddings, hidden});
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_norm(reader, c, p + "ln_1", l.attn_norm_weight, l.attn_norm_bias);
    take_conv1d(reader, p + "attn.c_attn", hidden, c.qkv_dim(), l.qkv_weight, l.qkv_bias);
    take_conv1d(reader, p + "attn.c_proj", c.q_dim(), hidden, l.attn_out_weight, l.attn_out_bias);
    take_norm(reader, c, p + "ln_2", l.mlp_norm_weight, l.mlp_norm_bias);
    take_conv1d(reader, p + "mlp.c_fc", hidden, inter, l.mlp_up_weight, l.mlp_up_bias);
    take_conv1d(reader, p + "mlp.c_proj", inter, hidden, l.mlp_down_weight, l.mlp_down_bias);
  }
  take_norm(reader, c, "ln_f", w.final_norm_weight, w.final_norm_bias);
  take_lm_head(reader, c, "lm_head.weight", w);
  return w;
}

}  // namespace

const ArchSpec& gpt2_arch() {
  static const ArchSpec spec = {
      .family = "gpt2",
      .architectures = {"GPT2LMHeadModel", "GPT2Model", "GPT2DoubleHeadsModel",
                        "GPT2ForSequenceClassification", "GPT2ForTokenClassification"},
      .model_types = {"gpt2"},
      .base_prefix = "transformer",
      // Causal-mask buffers of old checkpoints; task heads.
      .ignored = {"*.attn.bias", "*.attn.masked_bias", "multiple_choice_head.*", "score.*"},
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "vocab_size": 50, "n_embd": 32, "n_layer": 2, "n_head": 4, "n_inner": null,
        "n_positions": 40, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"})",
  };
  return spec;
}

}  // namespace attnscope
