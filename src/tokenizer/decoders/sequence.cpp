// Sequence: applies its decoders in order.
#include "tokenizer/decoders/decoders.h"

namespace attnscope::tokenizer {

namespace {

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps)
      : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

std::unique_ptr<Decoder> make_sequence_decoder(const JsonNode& node) {
  std::vector<std::unique_ptr<Decoder>> steps;
  for (const JsonNode& child : node.at("decoders").elements()) {
    if (auto step = make_decoder(child)) steps.push_back(std::move(step));
  }
  return std::make_unique<SequenceDecoder>(std::move(steps));
}

}  // namespace attnscope::tokenizer
