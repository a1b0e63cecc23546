// Sequence: applies its post-processors in order.
#include "tokenizer/processors/processors.h"

namespace attnscope::tokenizer {

namespace {

class SequenceProcessor : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> steps)
      : steps_(std::move(steps)) {}
  size_t added_tokens() const override {
    size_t total = 0;
    for (const auto& step : steps_) total += step->added_tokens();
    return total;
  }
  void process(RawEncoding& encoding, bool add_special_tokens) const override {
    for (const auto& step : steps_) step->process(encoding, add_special_tokens);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_sequence_processor(const JsonNode& node) {
  std::vector<std::unique_ptr<PostProcessor>> steps;
  for (const JsonNode& child : node.at("processors").elements()) {
    if (auto step = make_post_processor(child)) steps.push_back(std::move(step));
  }
  return std::make_unique<SequenceProcessor>(std::move(steps));
}

}  // namespace attnscope::tokenizer
