// Punctuation: split on each punctuation character with a delimiter behavior (Isolated).
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

namespace {

class PunctuationPreTokenizer : public PreTokenizer {
 public:
  explicit PunctuationPreTokenizer(SplitBehavior behavior)
      : behavior_(behavior), pattern_(Pattern::predicate(unicode::is_bert_punctuation)) {}
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

std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(const JsonNode& node) {
  const SplitBehavior behavior = node.has("behavior")
                                     ? split_behavior_from_json(node.at("behavior"))
                                     : SplitBehavior::kIsolated;
  return std::make_unique<PunctuationPreTokenizer>(behavior);
}

}  // namespace attnscope::tokenizer
