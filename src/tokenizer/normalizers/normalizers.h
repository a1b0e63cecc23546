// Constructors of the normalizer components (one per file in this folder), used by
// registry.cpp. Each takes the component's JSON object.
#pragma once

#include <memory>

#include "tokenizer/components.h"

namespace attnscope::tokenizer {

enum class UnicodeForm { kNFC, kNFD, kNFKC, kNFKD };

// Applies a Unicode normalization form, keeping alignments per grapheme cluster.
void apply_unicode_form(NormalizedString& s, UnicodeForm form);

std::unique_ptr<Normalizer> make_bert_normalizer(const JsonNode& node);
std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form);
std::unique_ptr<Normalizer> make_lowercase_normalizer();
std::unique_ptr<Normalizer> make_strip_normalizer(const JsonNode& node);
std::unique_ptr<Normalizer> make_strip_accents_normalizer();
std::unique_ptr<Normalizer> make_replace_normalizer(const JsonNode& node);
std::unique_ptr<Normalizer> make_prepend_normalizer(const JsonNode& node);
std::unique_ptr<Normalizer> make_precompiled_normalizer(const JsonNode& node);
std::unique_ptr<Normalizer> make_sequence_normalizer(const JsonNode& node);

}  // namespace attnscope::tokenizer
