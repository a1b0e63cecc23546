// CharDelimiterSplit: split on one character, which is removed.
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

namespace {

class CharDelimiterPreTokenizer : public PreTokenizer {
 public:
  explicit CharDelimiterPreTokenizer(std::string delimiter)
      : pattern_(Pattern::literal(std::move(delimiter))) {}
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString&& piece, std::vector<NormalizedString>& out) {
      split_normalized(piece, pattern_, SplitBehavior::kRemoved, false, out);
    });
  }

 private:
  Pattern pattern_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_char_delimiter_pre_tokenizer(const JsonNode& node) {
  const JsonNode delimiter = node.at("delimiter");
  const std::string text = delimiter.as_string();
  if (text.empty() || unicode::count_code_points(text) != 1) {
    delimiter.fail("must be exactly one character");
  }
  return std::make_unique<CharDelimiterPreTokenizer>(text);
}

}  // namespace attnscope::tokenizer
