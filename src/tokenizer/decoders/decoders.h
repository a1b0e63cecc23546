// Constructors of the decoder components (one per file in this folder), used by registry.cpp.
#pragma once

#include <memory>

#include "tokenizer/components.h"

namespace attnscope::tokenizer {

std::unique_ptr<Decoder> make_byte_level_decoder();
std::unique_ptr<Decoder> make_wordpiece_decoder(const JsonNode& node);
std::unique_ptr<Decoder> make_metaspace_decoder(const JsonNode& node);
std::unique_ptr<Decoder> make_byte_fallback_decoder();
std::unique_ptr<Decoder> make_fuse_decoder();
std::unique_ptr<Decoder> make_strip_decoder(const JsonNode& node);
std::unique_ptr<Decoder> make_replace_decoder(const JsonNode& node);
std::unique_ptr<Decoder> make_bpe_decoder(const JsonNode& node);
std::unique_ptr<Decoder> make_sequence_decoder(const JsonNode& node);

}  // namespace attnscope::tokenizer
