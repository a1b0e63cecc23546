// Prepend: adds a fixed prefix (Llama's "▁") in front of non-empty text.
#include "tokenizer/normalizers/normalizers.h"

namespace attnscope::tokenizer {

namespace {

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(NormalizedString& s) const override { s.prepend(prefix_); }

 private:
  std::string prefix_;
};

}  // namespace

std::unique_ptr<Normalizer> make_prepend_normalizer(const JsonNode& node) {
  return std::make_unique<Prepend>(node.at("prepend").as_string());
}

}  // namespace attnscope::tokenizer
