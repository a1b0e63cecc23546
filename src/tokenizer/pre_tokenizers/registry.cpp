// The pre-tokenizer "type" names of tokenizer.json and their constructors. Add new ones here.
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonNode& node) {
  if (node.is_null()) return nullptr;
  const std::string type = component_type(node);
  if (type == "BertPreTokenizer") return make_bert_pre_tokenizer();
  if (type == "ByteLevel") return make_byte_level_pre_tokenizer(node);
  if (type == "Split") return make_split_pre_tokenizer(node);
  if (type == "Metaspace") return make_metaspace_pre_tokenizer(node);
  if (type == "Whitespace") return make_whitespace_pre_tokenizer();
  if (type == "WhitespaceSplit") return make_whitespace_split_pre_tokenizer();
  if (type == "Punctuation") return make_punctuation_pre_tokenizer(node);
  if (type == "Digits") return make_digits_pre_tokenizer(node);
  if (type == "CharDelimiterSplit") return make_char_delimiter_pre_tokenizer(node);
  if (type == "Sequence") return make_sequence_pre_tokenizer(node);
  unsupported_type(node, type,
                   "BertPreTokenizer, ByteLevel, Split, Metaspace, Whitespace, WhitespaceSplit, "
                   "Punctuation, Digits, CharDelimiterSplit, Sequence");
}

}  // namespace attnscope::tokenizer
