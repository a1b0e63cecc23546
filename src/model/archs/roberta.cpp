// RoBERTa (and XLM-RoBERTa, the same modules): BERT's encoder with position ids that start after
// the padding index: pad_token_id + 1 + running count of non-pad tokens (pads keep pad_token_id),
// so max_position_embeddings is pad_token_id + 1 + the longest input. Base prefix "roberta.",
// heads under "lm_head." / "classifier." (ignored). Shared code in bert_family.cpp.
#include "model/archs/archs.h"
#include "model/archs/bert_family.h"

namespace attnscope {
namespace {

constexpr bert_family::Flavor kFlavor = {
    .family = "roberta", .position_ids = PositionIds::kRobertaAfterPadding,
    // type_vocab_size and layer_norm_eps keep BERT's defaults (2, 1e-12) as RobertaConfig does;
    // roberta-base's config.json sets 1 and 1e-5 explicitly.
};

ModelConfig parse(const nlohmann::json& json) { return bert_family::parse(json, kFlavor); }

}  // namespace

const ArchSpec& roberta_arch() {
  static const ArchSpec spec = {
      .family = "roberta",
      .architectures = {"RobertaModel", "RobertaForMaskedLM", "RobertaForSequenceClassification",
                        "RobertaForTokenClassification", "RobertaForQuestionAnswering",
                        "RobertaForMultipleChoice", "RobertaForCausalLM", "XLMRobertaModel",
                        "XLMRobertaForMaskedLM", "XLMRobertaForSequenceClassification"},
      .model_types = {"roberta", "xlm-roberta"},
      .base_prefix = "roberta",
      .ignored = {"pooler.*", "lm_head.*", "classifier.*", "qa_outputs.*",
                  "embeddings.position_ids"},
      .parse_config = parse,
      .load_weights = bert_family::load,
      .example_config = R"({"architectures": ["RobertaModel"], "model_type": "roberta",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "max_position_embeddings": 42, "type_vocab_size": 1,
        "layer_norm_eps": 1e-5, "hidden_act": "gelu", "pad_token_id": 1})",
  };
  return spec;
}

}  // namespace attnscope
