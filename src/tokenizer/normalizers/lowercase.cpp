// Lowercase: Unicode lowercase per character (U+0130 becomes "i" + U+0307, as Rust does).
#include "tokenizer/normalizers/normalizers.h"

namespace attnscope::tokenizer {

namespace {

class Lowercase : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override {
    s.map_chars([](char32_t c, CharSink& out) {
      if (c == 0x130) {
        out.push('i');
        out.push(0x307);
        return;
      }
      out.push(unicode::to_lower_simple(c));
    });
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_lowercase_normalizer() { return std::make_unique<Lowercase>(); }

}  // namespace attnscope::tokenizer
