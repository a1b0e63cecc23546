// Metaspace decoder: "▁" back to spaces; the space the pre-tokenizer prepended to the first
// token is dropped unless prepend_scheme is "never".
#include "tokenizer/decoders/decoders.h"

namespace attnscope::tokenizer {

namespace {

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& token = tokens[i];
      size_t pos = 0;
      while (pos < token.size()) {
        if (!replacement_.empty() && token.compare(pos, replacement_.size(), replacement_) == 0) {
          if (!(i == 0 && pos == 0 && strip_first_)) out.push_back(' ');
          pos += replacement_.size();
        } else {
          out.push_back(token[pos++]);
        }
      }
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

}  // namespace

std::unique_ptr<Decoder> make_metaspace_decoder(const JsonNode& node) {
  bool strip_first = node.get_or("add_prefix_space", true);
  if (node.has("prepend_scheme")) strip_first = node.at("prepend_scheme").as_string() != "never";
  return std::make_unique<MetaspaceDecoder>(node.get_or("replacement", "\u2581"), strip_first);
}

}  // namespace attnscope::tokenizer
