// BPEDecoder: the end-of-word suffix (e.g. "</w>") becomes a space, except on the last token.
#include "tokenizer/decoders/decoders.h"

namespace attnscope::tokenizer {

namespace {

class BpeDecoder : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      const std::string replacement = i + 1 == tokens.size() ? "" : " ";
      size_t pos = 0;
      while (!suffix_.empty() && (pos = token.find(suffix_, pos)) != std::string::npos) {
        token.replace(pos, suffix_.size(), replacement);
        pos += replacement.size();
      }
    }
  }

 private:
  std::string suffix_;
};

}  // namespace

std::unique_ptr<Decoder> make_bpe_decoder(const JsonNode& node) {
  return std::make_unique<BpeDecoder>(node.get_or("suffix", "</w>"));
}

}  // namespace attnscope::tokenizer
