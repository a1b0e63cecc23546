// ByteLevel: optionally add a leading space, split with GPT-2's regex, then show every byte
// through the byte-level alphabet ("Ġ" for ' '). trim_offsets only matters to the
// post-processor of the same name.
#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

void map_to_byte_level(NormalizedString& s) {
  const std::string& in = s.get();
  const auto& align = s.alignments();
  std::string out;
  std::vector<Alignment> out_align;
  out.reserve(in.size() * 2);
  out_align.reserve(in.size() * 2);
  size_t pos = 0;
  while (pos < in.size()) {
    const Alignment a = align[pos];
    const size_t len = unicode::utf8_length(static_cast<unsigned char>(in[pos]));
    for (size_t k = 0; k < len; ++k) {
      const std::string& shown = byte_to_utf8(static_cast<uint8_t>(in[pos + k]));
      out.append(shown);
      out_align.insert(out_align.end(), shown.size(), a);
    }
    pos += len;
  }
  s.assign(std::move(out), std::move(out_align));
}

namespace {

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {
    if (use_regex_) split_ = Pattern::regex(kGpt2SplitRegex, "ByteLevel pre-tokenizer");
  }

  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString&& piece, std::vector<NormalizedString>& out) {
      if (add_prefix_space_ && piece.get().front() != ' ') piece.prepend(" ");
      if (use_regex_) {
        split_normalized(piece, split_, SplitBehavior::kIsolated, false, out);
      } else {
        out.push_back(std::move(piece));
      }
    });
    s.normalize([](NormalizedString& piece) { map_to_byte_level(piece); });
  }

 private:
  bool add_prefix_space_;
  bool use_regex_;
  Pattern split_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(const JsonNode& node) {
  return std::make_unique<ByteLevelPreTokenizer>(node.get_or("add_prefix_space", true),
                                                 node.get_or("use_regex", true));
}

}  // namespace attnscope::tokenizer
