// BertProcessing: [CLS] sequence [SEP].
#include "tokenizer/processors/processors.h"

namespace attnscope::tokenizer {

std::pair<std::string, int64_t> read_token_pair(const JsonNode& node) {
  if (!node.is_array() || node.size() != 2) node.fail("expected [token, id], got " + node.brief());
  return {node.at(size_t{0}).as_string(), node.at(size_t{1}).as_int()};
}

namespace {

class BertProcessor : public PostProcessor {
 public:
  BertProcessor(std::pair<std::string, int64_t> cls, std::pair<std::string, int64_t> sep)
      : cls_(std::move(cls)), sep_(std::move(sep)) {}
  size_t added_tokens() const override { return 2; }
  void process(RawEncoding& encoding, bool add_special_tokens) const override {
    if (!add_special_tokens) return;
    RawEncoding out;
    out.push(cls_.second, cls_.first, {0, 0}, true);
    for (size_t i = 0; i < encoding.size(); ++i) {
      out.push(encoding.ids[i], std::move(encoding.tokens[i]), encoding.offsets[i],
               encoding.special_mask[i] != 0);
    }
    out.push(sep_.second, sep_.first, {0, 0}, true);
    encoding = std::move(out);
  }

 private:
  std::pair<std::string, int64_t> cls_;
  std::pair<std::string, int64_t> sep_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_bert_processor(const JsonNode& node) {
  return std::make_unique<BertProcessor>(read_token_pair(node.at("cls")),
                                         read_token_pair(node.at("sep")));
}

}  // namespace attnscope::tokenizer
