// Whitespace (keep runs of \w+ and of [^\w\s]+) and WhitespaceSplit (split on whitespace).
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

namespace {

class WhitespacePreTokenizer : public PreTokenizer {
 public:
  WhitespacePreTokenizer() : pattern_(Pattern::regex(R"(\w+|[^\w\s]+)", "Whitespace")) {}
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString&& piece, std::vector<NormalizedString>& out) {
      split_normalized(piece, pattern_, SplitBehavior::kRemoved, true, out);
    });
  }

 private:
  Pattern pattern_;
};

class WhitespaceSplitPreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString&& piece, std::vector<NormalizedString>& out) {
      const std::string& text = piece.get();
      size_t pos = 0;
      size_t word_start = 0;
      while (pos < text.size()) {
        const size_t start = pos;
        if (unicode::is_whitespace(unicode::decode_utf8(text, pos))) {
          if (start > word_start) out.push_back(piece.slice(word_start, start));
          word_start = pos;
        }
      }
      if (text.size() > word_start) out.push_back(piece.slice(word_start, text.size()));
    });
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer() {
  return std::make_unique<WhitespacePreTokenizer>();
}
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer() {
  return std::make_unique<WhitespaceSplitPreTokenizer>();
}

}  // namespace attnscope::tokenizer
