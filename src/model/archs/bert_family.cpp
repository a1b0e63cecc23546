#include "model/archs/bert_family.h"

#include "core/error.h"
#include "core/quote.h"
#include "model/archs/archs.h"

namespace attnscope::bert_family {

using namespace arch_helpers;
namespace cj = config_json;

ModelConfig parse(const nlohmann::json& json, const Flavor& flavor) {
  ModelConfig c;
  set_identity(c, json, flavor.family);
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size");
  c.num_hidden_layers = cj::get_int(json, "num_hidden_layers");
  c.num_attention_heads = cj::get_int(json, "num_attention_heads");
  c.num_key_value_heads = c.num_attention_heads;
  c.intermediate_size = cj::get_int(json, "intermediate_size");
  c.max_position_embeddings = cj::get_int(json, "max_position_embeddings", 512);
  c.type_vocab_size = cj::get_int(json, "type_vocab_size", flavor.type_vocab_size_default);
  c.layer_norm_eps = cj::get_double(json, "layer_norm_eps", flavor.layer_norm_eps_default);
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  if (flavor.position_ids == PositionIds::kRobertaAfterPadding && !c.pad_token_id) {
    c.pad_token_id = 1;
  }
  c.hidden_act = cj::get_string(json, "hidden_act", "gelu");
  c.activation = cj::get_activation(json, "hidden_act", "gelu");
  const std::string position_type = cj::get_string(json, "position_embedding_type", "absolute");
  if (position_type != "absolute") {
    throw UnsupportedError("config.json sets position_embedding_type = " + quote(position_type) +
                           ", which is not supported (only 'absolute'): relative positions add "
                           "distance-embedding terms to the attention scores");
  }
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  refuse_pruned_heads(json);
  c.norm = NormKind::kLayerNorm;
  c.norm_placement = NormPlacement::kPostNorm;
  c.position = PositionKind::kAbsolute;
  c.position_ids = flavor.position_ids;
  c.mlp = MlpKind::kPlain;
  c.residual = ResidualKind::kSequential;
  c.causal = cj::get_bool(json, "is_decoder", false);
  c.qkv_bias = c.attn_out_bias = c.mlp_bias = true;
  c.embedding_norm = true;
  c.final_norm = false;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  ModelWeights w;
  w.token_embedding = reader.take("embeddings.word_embeddings.weight", {c.vocab_size, hidden});
  w.position_embedding =
      reader.take("embeddings.position_embeddings.weight", {c.max_position_embeddings, hidden});
  if (c.type_vocab_size > 0) {
    w.token_type_embedding =
        reader.take("embeddings.token_type_embeddings.weight", {c.type_vocab_size, hidden});
  }
  take_norm(reader, c, "embeddings.LayerNorm", w.embedding_norm_weight, w.embedding_norm_bias);
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_separate_qkv(reader, c, p + "attention.self.query", p + "attention.self.key",
                      p + "attention.self.value", true, l);
    take_linear(reader, p + "attention.output.dense", hidden, c.q_dim(), true, l.attn_out_weight,
                l.attn_out_bias);
    take_norm(reader, c, p + "attention.output.LayerNorm", l.attn_norm_weight, l.attn_norm_bias);
    take_linear(reader, p + "intermediate.dense", inter, hidden, true, l.mlp_up_weight,
                l.mlp_up_bias);
    take_linear(reader, p + "output.dense", hidden, inter, true, l.mlp_down_weight,
                l.mlp_down_bias);
    take_norm(reader, c, p + "output.LayerNorm", l.mlp_norm_weight, l.mlp_norm_bias);
  }
  return w;  // encoders: no LM head needed for attention (cls.* / lm_head.* are ignored)
}

}  // namespace attnscope::bert_family
