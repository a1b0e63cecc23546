// The demo model's vocabulary and its tokenizer.json: a Hugging Face WordLevel tokenizer over a
// few hundred common English words and punctuation (lowercasing normalizer, Whitespace
// pre-tokenizer, <unk> for anything else, <s> prepended by a TemplateProcessing post-processor,
// WordPiece decoder with cleanup so "the mat ." decodes to "the mat.").
//
//   std::span<const std::string_view> words = demo_vocabulary();   // index = token id
//   nlohmann::ordered_json tok = demo_tokenizer_json();
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string_view>

namespace attnscope::demo {

// Token strings by id: <unk>, <s>, </s>, then punctuation, then words. No duplicates.
std::span<const std::string_view> demo_vocabulary();

// The contents of tokenizer.json, in the key order Hugging Face writes.
nlohmann::ordered_json demo_tokenizer_json();

// The contents of tokenizer_config.json (PreTrainedTokenizerFast over tokenizer.json).
nlohmann::ordered_json demo_tokenizer_config_json();

}  // namespace attnscope::demo
