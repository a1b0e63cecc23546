// Sequence: applies its normalizers in order.
#include "tokenizer/normalizers/normalizers.h"

namespace attnscope::tokenizer {

namespace {

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  void normalize(NormalizedString& s) const override {
    for (const auto& step : steps_) step->normalize(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_sequence_normalizer(const JsonNode& node) {
  std::vector<std::unique_ptr<Normalizer>> steps;
  for (const JsonNode& child : node.at("normalizers").elements()) {
    if (auto step = make_normalizer(child)) steps.push_back(std::move(step));
  }
  return std::make_unique<SequenceNormalizer>(std::move(steps));
}

}  // namespace attnscope::tokenizer
