// The decoder "type" names of tokenizer.json and their constructors. Add new ones here.
#include "tokenizer/decoders/decoders.h"

namespace attnscope::tokenizer {

std::unique_ptr<Decoder> make_decoder(const JsonNode& node) {
  if (node.is_null()) return nullptr;
  const std::string type = component_type(node);
  if (type == "ByteLevel") return make_byte_level_decoder();
  if (type == "WordPiece") return make_wordpiece_decoder(node);
  if (type == "Metaspace") return make_metaspace_decoder(node);
  if (type == "ByteFallback") return make_byte_fallback_decoder();
  if (type == "Fuse") return make_fuse_decoder();
  if (type == "Strip") return make_strip_decoder(node);
  if (type == "Replace") return make_replace_decoder(node);
  if (type == "BPEDecoder") return make_bpe_decoder(node);
  if (type == "Sequence") return make_sequence_decoder(node);
  unsupported_type(node, type,
                   "ByteLevel, WordPiece, Metaspace, ByteFallback, Fuse, Strip, Replace, "
                   "BPEDecoder, Sequence");
}

}  // namespace attnscope::tokenizer
