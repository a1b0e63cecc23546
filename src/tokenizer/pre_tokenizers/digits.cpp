// Digits: separate numbers from the rest, each digit on its own when individual_digits.
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

namespace {

class DigitsPreTokenizer : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual)
      : behavior_(individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous),
        pattern_(Pattern::predicate(unicode::is_numeric)) {}
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString&& piece, std::vector<NormalizedString>& out) {
      split_normalized(piece, pattern_, behavior_, false, out);
    });
  }

 private:
  SplitBehavior behavior_;
  Pattern pattern_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(const JsonNode& node) {
  return std::make_unique<DigitsPreTokenizer>(node.get_or("individual_digits", false));
}

}  // namespace attnscope::tokenizer
