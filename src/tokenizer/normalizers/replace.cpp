// Replace: every match of a String or Regex pattern becomes `content`.
#include "tokenizer/normalizers/normalizers.h"
#include "tokenizer/pattern.h"

namespace attnscope::tokenizer {

namespace {

class Replace : public Normalizer {
 public:
  Replace(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(NormalizedString& s) const override {
    s.replace_ranges(pattern_.matches(s.get()), content_);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

}  // namespace

std::unique_ptr<Normalizer> make_replace_normalizer(const JsonNode& node) {
  return std::make_unique<Replace>(Pattern::from_json(node.at("pattern")),
                                   node.at("content").as_string());
}

}  // namespace attnscope::tokenizer
