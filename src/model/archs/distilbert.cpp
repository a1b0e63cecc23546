// DistilBERT: BERT's post-norm encoder without token type embeddings, under its own names
// (transformer.layer.N.attention.q_lin, sa_layer_norm, ffn.lin1, output_layer_norm, ...) and
// config keys (dim, n_heads, n_layers, hidden_dim, activation). LayerNorm eps is fixed at 1e-12
// in HF's modules. Base prefix "distilbert."; the MLM head (vocab_*) is ignored.
#include "core/error.h"
#include "model/archs/archs.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "distilbert");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "dim");
  c.num_hidden_layers = cj::get_int(json, "n_layers");
  c.num_attention_heads = cj::get_int(json, "n_heads");
  c.num_key_value_heads = c.num_attention_heads;
  c.intermediate_size = cj::get_int(json, "hidden_dim");
  c.max_position_embeddings = cj::get_int(json, "max_position_embeddings", 512);
  c.layer_norm_eps = 1e-12;
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  c.hidden_act = cj::get_string(json, "activation", "gelu");
  c.activation = cj::get_activation(json, "activation", "gelu");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  refuse_pruned_heads(json);
  // sinusoidal_pos_embds: the sinusoidal table is stored in the checkpoint like a learned one
  // (HF writes it into position_embeddings.weight), so it is read from there.
  if (c.num_attention_heads > 0 && c.hidden_size % c.num_attention_heads != 0) {
    throw ConfigError("n_heads", "must divide dim (" + std::to_string(c.hidden_size) + "), got " +
                                     std::to_string(c.num_attention_heads));
  }
  c.norm = NormKind::kLayerNorm;
  c.norm_placement = NormPlacement::kPostNorm;
  c.position = PositionKind::kAbsolute;
  c.mlp = MlpKind::kPlain;
  c.residual = ResidualKind::kSequential;
  c.causal = false;
  c.qkv_bias = c.attn_out_bias = c.mlp_bias = true;
  c.embedding_norm = true;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  ModelWeights w;
  w.token_embedding = reader.take("embeddings.word_embeddings.weight", {c.vocab_size, hidden});
  w.position_embedding =
      reader.take("embeddings.position_embeddings.weight", {c.max_position_embeddings, hidden});
  take_norm(reader, c, "embeddings.LayerNorm", w.embedding_norm_weight, w.embedding_norm_bias);
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "transformer.layer." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_separate_qkv(reader, c, p + "attention.q_lin", p + "attention.k_lin",
                      p + "attention.v_lin", true, l);
    take_linear(reader, p + "attention.out_lin", hidden, c.q_dim(), true, l.attn_out_weight,
                l.attn_out_bias);
    take_norm(reader, c, p + "sa_layer_norm", l.attn_norm_weight, l.attn_norm_bias);
    take_linear(reader, p + "ffn.lin1", inter, hidden, true, l.mlp_up_weight, l.mlp_up_bias);
    take_linear(reader, p + "ffn.lin2", hidden, inter, true, l.mlp_down_weight, l.mlp_down_bias);
    take_norm(reader, c, p + "output_layer_norm", l.mlp_norm_weight, l.mlp_norm_bias);
  }
  return w;
}

}  // namespace

const ArchSpec& distilbert_arch() {
  static const ArchSpec spec = {
      .family = "distilbert",
      .architectures = {"DistilBertModel", "DistilBertForMaskedLM",
                        "DistilBertForSequenceClassification", "DistilBertForTokenClassification",
                        "DistilBertForQuestionAnswering", "DistilBertForMultipleChoice"},
      .model_types = {"distilbert"},
      .base_prefix = "distilbert",
      .ignored = {"vocab_transform.*", "vocab_layer_norm.*", "vocab_projector.*",
                  "pre_classifier.*", "classifier.*", "qa_outputs.*", "embeddings.position_ids"},
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["DistilBertModel"], "model_type": "distilbert",
        "vocab_size": 50, "dim": 32, "hidden_dim": 64, "n_layers": 2, "n_heads": 4,
        "max_position_embeddings": 40, "activation": "gelu", "pad_token_id": 0})",
  };
  return spec;
}

}  // namespace attnscope
