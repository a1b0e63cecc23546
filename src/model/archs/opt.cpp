// OPT (OPTModel / OPTForCausalLM): learned positions read from row position + 2 of
// embed_positions (the table has max_position_embeddings + 2 rows), pre-norm LayerNorm blocks
// with a final LayerNorm, or with do_layer_norm_before false (opt-350m) post-norm blocks and no
// final norm; ReLU MLP (fc1, fc2), biases everywhere (enable_bias), tied LM head.
#include "core/error.h"
#include "model/archs/archs.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

constexpr int64_t kPositionOffset = 2;  // OPTLearnedPositionalEmbedding.offset

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "opt");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size");
  c.num_hidden_layers = cj::get_int(json, "num_hidden_layers");
  c.num_attention_heads = cj::get_int(json, "num_attention_heads");
  c.num_key_value_heads = c.num_attention_heads;
  c.intermediate_size = cj::get_int(json, "ffn_dim");
  c.max_position_embeddings = cj::get_int(json, "max_position_embeddings", 2048);
  c.layer_norm_eps = 1e-5;  // nn.LayerNorm's default; OPT has no config key
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", true);
  c.hidden_act = cj::get_string(json, "activation_function", "relu");
  c.activation = cj::get_activation(json, "activation_function", "relu");
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  const int64_t proj_dim = cj::get_int(json, "word_embed_proj_dim", c.hidden_size);
  if (proj_dim != c.hidden_size) {
    throw UnsupportedError("config.json sets word_embed_proj_dim = " + std::to_string(proj_dim) +
                           " (hidden_size " + std::to_string(c.hidden_size) +
                           "), which is not supported: project_in / project_out are not "
                           "implemented");
  }
  const bool pre_norm = cj::get_bool(json, "do_layer_norm_before", true);
  c.norm_placement = pre_norm ? NormPlacement::kPreNorm : NormPlacement::kPostNorm;
  c.final_norm = pre_norm && !cj::get_bool(json, "_remove_final_layer_norm", false);
  c.norm_affine = cj::get_bool(json, "layer_norm_elementwise_affine", true)
                      ? NormAffine::kWeightAndBias
                      : NormAffine::kNone;
  c.position = PositionKind::kAbsolute;
  c.position_offset = kPositionOffset;
  c.causal = true;
  const bool bias = cj::get_bool(json, "enable_bias", true);
  c.qkv_bias = c.attn_out_bias = c.mlp_bias = bias;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  ModelWeights w;
  w.token_embedding = reader.take("decoder.embed_tokens.weight", {c.vocab_size, hidden});
  w.position_embedding = reader.take("decoder.embed_positions.weight",
                                     {c.max_position_embeddings + kPositionOffset, hidden});
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "decoder.layers." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_norm(reader, c, p + "self_attn_layer_norm", l.attn_norm_weight, l.attn_norm_bias);
    take_separate_qkv(reader, c, p + "self_attn.q_proj", p + "self_attn.k_proj",
                      p + "self_attn.v_proj", c.qkv_bias, l);
    take_linear(reader, p + "self_attn.out_proj", hidden, c.q_dim(), c.attn_out_bias,
                l.attn_out_weight, l.attn_out_bias);
    take_norm(reader, c, p + "final_layer_norm", l.mlp_norm_weight, l.mlp_norm_bias);
    take_linear(reader, p + "fc1", inter, hidden, c.mlp_bias, l.mlp_up_weight, l.mlp_up_bias);
    take_linear(reader, p + "fc2", hidden, inter, c.mlp_bias, l.mlp_down_weight, l.mlp_down_bias);
  }
  if (c.final_norm) {
    take_norm(reader, c, "decoder.final_layer_norm", w.final_norm_weight, w.final_norm_bias);
  }
  take_lm_head(reader, c, "lm_head.weight", w);
  return w;
}

}  // namespace

const ArchSpec& opt_arch() {
  static const ArchSpec spec = {
      .family = "opt",
      .architectures = {"OPTForCausalLM", "OPTModel"},
      .model_types = {"opt"},
      .base_prefix = "model",
      .ignored = {"score.*", "qa_outputs.*"},
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["OPTForCausalLM"], "model_type": "opt",
        "vocab_size": 50, "hidden_size": 32, "ffn_dim": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "max_position_embeddings": 40, "do_layer_norm_before": true,
        "activation_function": "relu", "word_embed_proj_dim": 32, "pad_token_id": 1})",
  };
  return spec;
}

}  // namespace attnscope
