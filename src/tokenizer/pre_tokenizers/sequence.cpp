// Sequence: applies its pre-tokenizers in order.
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

namespace {

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void pre_tokenize(PreTokenizedString& s) const override {
    for (const auto& step : steps_) step->pre_tokenize(s);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(const JsonNode& node) {
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  for (const JsonNode& child : node.at("pretokenizers").elements()) {
    if (auto step = make_pre_tokenizer(child)) steps.push_back(std::move(step));
  }
  return std::make_unique<SequencePreTokenizer>(std::move(steps));
}

}  // namespace attnscope::tokenizer
