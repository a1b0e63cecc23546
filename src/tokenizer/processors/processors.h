// Constructors of the post-processor components (one per file in this folder), used by
// registry.cpp.
#pragma once

#include <memory>

#include "tokenizer/components.h"

namespace attnscope::tokenizer {

// ByteLevel's offset trimming: leading/trailing spaces ("Ġ") of a token leave its offsets,
// except the one space add_prefix_space added in front of the first token.
void trim_byte_level_offsets(RawEncoding& encoding, bool add_prefix_space);

// Reads ["token", id] pairs (BertProcessing / RobertaProcessing cls and sep).
std::pair<std::string, int64_t> read_token_pair(const JsonNode& node);

std::unique_ptr<PostProcessor> make_template_processor(const JsonNode& node);
std::unique_ptr<PostProcessor> make_bert_processor(const JsonNode& node);
std::unique_ptr<PostProcessor> make_roberta_processor(const JsonNode& node);
std::unique_ptr<PostProcessor> make_byte_level_processor(const JsonNode& node);
std::unique_ptr<PostProcessor> make_sequence_processor(const JsonNode& node);

}  // namespace attnscope::tokenizer
