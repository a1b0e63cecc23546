// BERT (BertModel, BertForMaskedLM, ...): post-norm encoder, absolute positions from 0, token
// type embeddings. Checkpoints of BertFor* carry the base model under "bert." and head tensors
// under "cls." (ignored). Shared code in bert_family.cpp.
#include "model/archs/archs.h"
#include "model/archs/bert_family.h"

namespace attnscope {
namespace {

constexpr bert_family::Flavor kFlavor = {.family = "bert"};

ModelConfig parse(const nlohmann::json& json) { return bert_family::parse(json, kFlavor); }

}  // namespace

const ArchSpec& bert_arch() {
  static const ArchSpec spec = {
      .family = "bert",
      .architectures = {"BertModel", "BertForMaskedLM", "BertForPreTraining",
                        "BertForSequenceClassification", "BertForTokenClassification",
                        "BertForQuestionAnswering", "BertForNextSentencePrediction",
                        "BertForMultipleChoice", "BertLMHeadModel"},
      .model_types = {"bert"},
      .base_prefix = "bert",
      .ignored = {"pooler.*", "cls.*", "classifier.*", "qa_outputs.*", "embeddings.position_ids"},
      .parse_config = parse,
      .load_weights = bert_family::load,
      .example_config = R"({"architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "max_position_embeddings": 40, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "hidden_act": "gelu", "pad_token_id": 0})",
  };
  return spec;
}

}  // namespace attnscope
