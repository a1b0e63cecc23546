// Fuse decoder: all tokens into one string.
#include "tokenizer/decoders/decoders.h"

namespace attnscope::tokenizer {

namespace {

class FuseDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const std::string& token : tokens) joined += token;
    tokens.assign(1, std::move(joined));
  }
};

}  // namespace

std::unique_ptr<Decoder> make_fuse_decoder() { return std::make_unique<FuseDecoder>(); }

}  // namespace attnscope::tokenizer
