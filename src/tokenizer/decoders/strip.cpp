// Strip decoder: removes up to `start` leading and `stop` trailing `content` characters from
// each token.
#include "tokenizer/decoders/decoders.h"

namespace attnscope::tokenizer {

namespace {

class StripDecoder : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop)
      : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      std::vector<std::pair<size_t, char32_t>> chars;  // (byte offset, code point)
      size_t pos = 0;
      while (pos < token.size()) {
        const size_t at = pos;
        chars.emplace_back(at, unicode::decode_utf8(token, pos));
      }
      size_t begin = 0;
      while (begin < start_ && begin < chars.size() && chars[begin].second == content_) ++begin;
      size_t end = chars.size();
      size_t removed = 0;
      while (removed < stop_ && end > begin && chars[end - 1].second == content_) {
        --end;
        ++removed;
      }
      const size_t byte_begin = begin < chars.size() ? chars[begin].first : token.size();
      const size_t byte_end = end < chars.size() ? chars[end].first : token.size();
      token = token.substr(byte_begin, byte_end > byte_begin ? byte_end - byte_begin : 0);
    }
  }

 private:
  char32_t content_;
  size_t start_;
  size_t stop_;
};

}  // namespace

std::unique_ptr<Decoder> make_strip_decoder(const JsonNode& node) {
  const JsonNode content = node.at("content");
  const std::string text = content.as_string();
  if (unicode::count_code_points(text) != 1) content.fail("must be exactly one character");
  size_t pos = 0;
  const char32_t c = unicode::decode_utf8(text, pos);
  return std::make_unique<StripDecoder>(c, static_cast<size_t>(node.get_or("start", int64_t{0})),
                                        static_cast<size_t>(node.get_or("stop", int64_t{0})));
}

}  // namespace attnscope::tokenizer
