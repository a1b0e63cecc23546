// BertNormalizer: clean control characters and map whitespace to ' ', surround CJK ideographs
// with spaces, strip accents (NFD, then drop Mn), lowercase — in Hugging Face's order.
#include "tokenizer/normalizers/normalizers.h"

namespace attnscope::tokenizer {

namespace {

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, bool strip_accents, bool lowercase)
      : clean_text_(clean_text),
        handle_chinese_chars_(handle_chinese_chars),
        strip_accents_(strip_accents),
        lowercase_(lowercase) {}

  void normalize(NormalizedString& s) const override {
    if (clean_text_ || handle_chinese_chars_) {
      s.map_chars([&](char32_t c, CharSink& out) {
        if (clean_text_) {
          if (c == 0 || c == 0xFFFD) return;
          if (c != '\t' && c != '\n' && c != '\r' && (c < 0x20 || c >= 0x7F) &&
              unicode::is_other(c)) {
            return;
          }
          if (unicode::is_whitespace(c)) c = ' ';
        }
        if (handle_chinese_chars_ && c >= 0x3400 && unicode::is_cjk_ideograph(c)) {
          out.push(' ');
          out.push(c);
          out.push(' ');
          return;
        }
        out.push(c);
      });
    }
    if (strip_accents_) {
      apply_unicode_form(s, UnicodeForm::kNFD);
      s.map_chars([](char32_t c, CharSink& out) {
        if (!unicode::is_nonspacing_mark(c)) out.push(c);
      });
    }
    if (lowercase_) {
      s.map_chars([](char32_t c, CharSink& out) {
        if (c == 0x130) {
          out.push('i');
          out.push(0x307);
          return;
        }
        out.push(unicode::to_lower_simple(c));
      });
    }
  }

 private:
  bool clean_text_;
  bool handle_chinese_chars_;
  bool strip_accents_;
  bool lowercase_;
};

}  // namespace

std::unique_ptr<Normalizer> make_bert_normalizer(const JsonNode& node) {
  const bool lowercase = node.get_or("lowercase", true);
  // strip_accents: null means "follow lowercase", as in Hugging Face.
  const bool strip_accents = node.get_or("strip_accents", lowercase);
  return std::make_unique<BertNormalizer>(node.get_or("clean_text", true),
                                          node.get_or("handle_chinese_chars", true), strip_accents,
                                          lowercase);
}

}  // namespace attnscope::tokenizer
