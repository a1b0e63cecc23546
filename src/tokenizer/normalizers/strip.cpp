// Strip (leading/trailing whitespace) and StripAccents (drop nonspacing marks; pair it with NFD
// or NFKD as Hugging Face expects).
#include "tokenizer/normalizers/normalizers.h"

namespace attnscope::tokenizer {

namespace {

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedString& s) const override { s.strip(left_, right_); }

 private:
  bool left_;
  bool right_;
};

class StripAccents : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override {
    s.map_chars([](char32_t c, CharSink& out) {
      if (!unicode::is_nonspacing_mark(c)) out.push(c);
    });
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_strip_normalizer(const JsonNode& node) {
  return std::make_unique<Strip>(node.get_or("strip_left", true), node.get_or("strip_right", true));
}

std::unique_ptr<Normalizer> make_strip_accents_normalizer() {
  return std::make_unique<StripAccents>();
}

}  // namespace attnscope::tokenizer
