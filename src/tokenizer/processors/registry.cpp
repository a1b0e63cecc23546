// The post-processor "type" names of tokenizer.json and their constructors. Add new ones here.
#include "tokenizer/processors/processors.h"

namespace attnscope::tokenizer {

std::unique_ptr<PostProcessor> make_post_processor(const JsonNode& node) {
  if (node.is_null()) return nullptr;
  const std::string type = component_type(node);
  if (type == "TemplateProcessing") return make_template_processor(node);
  if (type == "BertProcessing") return make_bert_processor(node);
  if (type == "RobertaProcessing") return make_roberta_processor(node);
  if (type == "ByteLevel") return make_byte_level_processor(node);
  if (type == "Sequence") return make_sequence_processor(node);
  unsupported_type(node, type,
                   "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence");
}

}  // namespace attnscope::tokenizer
