// Replace decoder: every match of a String or Regex pattern in each token becomes `content`.
#include "tokenizer/decoders/decoders.h"
#include "tokenizer/pattern.h"

namespace attnscope::tokenizer {

namespace {

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      const auto matches = pattern_.matches(token);
      if (matches.empty()) continue;
      std::string out;
      size_t last = 0;
      for (const Piece& m : matches) {
        out.append(token, last, m.start - last);
        out.append(content_);
        last = m.end;
      }
      out.append(token, last, std::string::npos);
      token = std::move(out);
    }
  }

 private:
  Pattern pattern_;
  std::string content_;
};

}  // namespace

std::unique_ptr<Decoder> make_replace_decoder(const JsonNode& node) {
  return std::make_unique<ReplaceDecoder>(Pattern::from_json(node.at("pattern")),
                                          node.at("content").as_string());
}

}  // namespace attnscope::tokenizer
