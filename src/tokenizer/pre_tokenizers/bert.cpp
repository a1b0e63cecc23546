// BertPreTokenizer: split on whitespace (removed), then isolate each punctuation character.
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

namespace {

class BertPreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString&& piece, std::vector<NormalizedString>& out) {
      // One pass: whitespace ends a word, punctuation is a word of its own.
      const std::string& text = piece.get();
      size_t pos = 0;
      size_t word_start = 0;
      while (pos < text.size()) {
        const size_t start = pos;
        const char32_t c = unicode::decode_utf8(text, pos);
        const bool space = unicode::is_whitespace(c);
        const bool punct = !space && unicode::is_bert_punctuation(c);
        if (space || punct) {
          if (start > word_start) out.push_back(piece.slice(word_start, start));
          if (punct) out.push_back(piece.slice(start, pos));
          word_start = pos;
        }
      }
      if (text.size() > word_start) out.push_back(piece.slice(word_start, text.size()));
    });
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer() {
  return std::make_unique<BertPreTokenizer>();
}

}  // namespace attnscope::tokenizer
