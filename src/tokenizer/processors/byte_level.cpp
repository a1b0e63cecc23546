// ByteLevel post-processor: adds no tokens; with trim_offsets, token offsets leave out the
// spaces the token starts or ends with.
#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/processors/processors.h"

namespace attnscope::tokenizer {

void trim_byte_level_offsets(RawEncoding& encoding, bool add_prefix_space) {
  const char32_t space = byte_to_char(' ');
  auto is_space = [&](char32_t c) { return c == space || unicode::is_whitespace(c); };
  for (size_t i = 0; i < encoding.size(); ++i) {
    const std::string& token = encoding.tokens[i];
    auto& [start, end] = encoding.offsets[i];
    std::vector<char32_t> chars;
    size_t pos = 0;
    while (pos < token.size()) chars.push_back(unicode::decode_utf8(token, pos));
    size_t leading = 0;
    while (leading < chars.size() && is_space(chars[leading])) ++leading;
    size_t trailing = 0;
    while (trailing < chars.size() && is_space(chars[chars.size() - 1 - trailing])) ++trailing;
    if (leading == 0 && trailing == 0) continue;
    if (leading > 0) {
      const bool is_first = i == 0 || start == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      start = std::min<int64_t>(start + static_cast<int64_t>(leading), end);
    }
    if (trailing > 0 && end >= static_cast<int64_t>(trailing)) {
      end = std::max<int64_t>(end - static_cast<int64_t>(trailing), start);
    }
  }
}

namespace {

class ByteLevelProcessor : public PostProcessor {
 public:
  ByteLevelProcessor(bool trim_offsets, bool add_prefix_space)
      : trim_offsets_(trim_offsets), add_prefix_space_(add_prefix_space) {}
  size_t added_tokens() const override { return 0; }
  void process(RawEncoding& encoding, bool) const override {
    if (trim_offsets_) trim_byte_level_offsets(encoding, add_prefix_space_);
  }

 private:
  bool trim_offsets_;
  bool add_prefix_space_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_byte_level_processor(const JsonNode& node) {
  return std::make_unique<ByteLevelProcessor>(node.get_or("trim_offsets", true),
                                              node.get_or("add_prefix_space", true));
}

}  // namespace attnscope::tokenizer
