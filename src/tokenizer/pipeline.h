// The tokenizer.json pipeline: added tokens -> normalizer -> pre-tokenizer -> model ->
// truncation -> post-processor, and ids -> decoder -> text. Built from the parsed JSON (a real
// tokenizer.json, or one legacy.cpp synthesised from vocab files).
//
//   auto pipeline = Pipeline::from_json(json, "models/gpt2/tokenizer.json");
//   RawEncoding e = pipeline->encode("Hello world", true);
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/backend.h"

namespace attnscope::tokenizer {

class Pipeline : public Backend {
 public:
  // `file` names the source in errors and in description().
  static std::unique_ptr<Pipeline> from_json(const nlohmann::json& root, const std::string& file);

  RawEncoding encode(std::string_view text, bool add_special_tokens) const override;
  std::string decode(std::span<const int64_t> ids, bool skip_special_tokens) const override;
  std::optional<int64_t> token_to_id(std::string_view token) const override;
  std::optional<std::string> id_to_token(int64_t id) const override;
  bool is_special(int64_t id) const override;
  int64_t vocab_size() const override;
  std::optional<PaddingSpec> padding() const override { return padding_; }
  std::string description() const override { return description_; }

 private:
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  std::optional<int64_t> truncation_max_length_;
  bool truncate_left_ = false;
  std::optional<PaddingSpec> padding_;
  int64_t vocab_size_ = 0;
  std::string description_;
};

}  // namespace attnscope::tokenizer
