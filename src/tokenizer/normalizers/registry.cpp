// The normalizer "type" names of tokenizer.json and their constructors. Add new ones here.
#include "tokenizer/normalizers/normalizers.h"

namespace attnscope::tokenizer {

std::unique_ptr<Normalizer> make_normalizer(const JsonNode& node) {
  if (node.is_null()) return nullptr;
  const std::string type = component_type(node);
  if (type == "BertNormalizer") return make_bert_normalizer(node);
  if (type == "NFC") return make_unicode_normalizer(UnicodeForm::kNFC);
  if (type == "NFD") return make_unicode_normalizer(UnicodeForm::kNFD);
  if (type == "NFKC") return make_unicode_normalizer(UnicodeForm::kNFKC);
  if (type == "NFKD") return make_unicode_normalizer(UnicodeForm::kNFKD);
  if (type == "Lowercase") return make_lowercase_normalizer();
  if (type == "StripAccents") return make_strip_accents_normalizer();
  if (type == "Strip") return make_strip_normalizer(node);
  if (type == "Replace") return make_replace_normalizer(node);
  if (type == "Prepend") return make_prepend_normalizer(node);
  if (type == "Precompiled") return make_precompiled_normalizer(node);
  if (type == "Sequence") return make_sequence_normalizer(node);
  unsupported_type(node, type,
                   "BertNormalizer, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Replace, "
                   "Prepend, Precompiled, Sequence");
}

}  // namespace attnscope::tokenizer
