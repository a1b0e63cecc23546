// Split: split on a String or Regex pattern with a delimiter behavior, optionally inverted
// (then the matches are the pieces and the text between them the delimiters).
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

namespace {

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(Pattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}

  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString&& piece, std::vector<NormalizedString>& out) {
      split_normalized(piece, pattern_, behavior_, invert_, out);
    });
  }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(const JsonNode& node) {
  return std::make_unique<SplitPreTokenizer>(Pattern::from_json(node.at("pattern")),
                                             split_behavior_from_json(node.at("behavior")),
                                             node.get_or("invert", false));
}

}  // namespace attnscope::tokenizer
