// RobertaProcessing: <s> sequence </s>, with ByteLevel-style offset trimming.
#include "tokenizer/processors/processors.h"

namespace attnscope::tokenizer {

namespace {

class RobertaProcessor : public PostProcessor {
 public:
  RobertaProcessor(std::pair<std::string, int64_t> cls, std::pair<std::string, int64_t> sep,
                   bool trim_offsets, bool add_prefix_space)
      : cls_(std::move(cls)),
        sep_(std::move(sep)),
        trim_offsets_(trim_offsets),
        add_prefix_space_(add_prefix_space) {}
  size_t added_tokens() const override { return 2; }
  void process(RawEncoding& encoding, bool add_special_tokens) const override {
    if (trim_offsets_) trim_byte_level_offsets(encoding, add_prefix_space_);
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
  bool trim_offsets_;
  bool add_prefix_space_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_roberta_processor(const JsonNode& node) {
  return std::make_unique<RobertaProcessor>(
      read_token_pair(node.at("cls")), read_token_pair(node.at("sep")),
      node.get_or("trim_offsets", true), node.get_or("add_prefix_space", true));
}

}  // namespace attnscope::tokenizer
