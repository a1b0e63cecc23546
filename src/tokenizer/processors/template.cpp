// TemplateProcessing: the "single" template, e.g. [CLS] $A [SEP], places special tokens (from
// "special_tokens") around the sequence. Pair templates are not used: attnscope encodes one
// text at a time.
#include "core/quote.h"
#include "tokenizer/processors/processors.h"

namespace attnscope::tokenizer {

namespace {

struct TemplatePiece {
  bool is_sequence = false;
  std::vector<int64_t> ids;  // special token ids
  std::vector<std::string> tokens;
};

class TemplateProcessor : public PostProcessor {
 public:
  explicit TemplateProcessor(std::vector<TemplatePiece> single) : single_(std::move(single)) {
    for (const auto& piece : single_) {
      if (!piece.is_sequence) added_ += piece.ids.size();
    }
  }
  size_t added_tokens() const override { return added_; }
  void process(RawEncoding& encoding, bool add_special_tokens) const override {
    if (!add_special_tokens) return;
    RawEncoding out;
    for (const auto& piece : single_) {
      if (piece.is_sequence) {
        for (size_t i = 0; i < encoding.size(); ++i) {
          out.push(encoding.ids[i], std::move(encoding.tokens[i]), encoding.offsets[i],
                   encoding.special_mask[i] != 0);
        }
      } else {
        for (size_t k = 0; k < piece.ids.size(); ++k) {
          out.push(piece.ids[k], piece.tokens[k], {0, 0}, true);
        }
      }
    }
    encoding = std::move(out);
  }

 private:
  std::vector<TemplatePiece> single_;
  size_t added_ = 0;
};

TemplatePiece special_piece(const JsonNode& special_tokens, const std::string& name,
                            const JsonNode& where) {
  if (!special_tokens.has(name)) {
    where.fail("uses special token " + quote(name) + " that special_tokens does not define");
  }
  const JsonNode entry = special_tokens.at(name);
  TemplatePiece piece;
  for (const JsonNode& id : entry.at("ids").elements()) piece.ids.push_back(id.as_int());
  for (const JsonNode& token : entry.at("tokens").elements()) {
    piece.tokens.push_back(token.as_string());
  }
  if (piece.ids.size() != piece.tokens.size()) {
    entry.fail("has " + std::to_string(piece.ids.size()) + " ids but " +
               std::to_string(piece.tokens.size()) + " tokens");
  }
  return piece;
}

}  // namespace

std::unique_ptr<PostProcessor> make_template_processor(const JsonNode& node) {
  const JsonNode special_tokens = node.at("special_tokens");
  const JsonNode single = node.at("single");
  std::vector<TemplatePiece> pieces;
  if (single.is_string()) {
    // The string form "[CLS] $A [SEP]" (type ids after ':' are ignored).
    const std::string text = single.as_string();
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t end = std::min(text.find(' ', pos), text.size());
      std::string item = text.substr(pos, end - pos);
      pos = end + 1;
      if (item.empty()) continue;
      if (item[0] == '$') {
        TemplatePiece seq;
        seq.is_sequence = true;
        pieces.push_back(seq);
        continue;
      }
      const size_t colon = item.rfind(':');
      if (colon != std::string::npos && colon > 0) item = item.substr(0, colon);
      pieces.push_back(special_piece(special_tokens, item, single));
    }
  } else {
    for (const JsonNode& item : single.elements()) {
      if (item.has("Sequence")) {
        TemplatePiece seq;
        seq.is_sequence = true;
        pieces.push_back(seq);
      } else if (item.has("SpecialToken")) {
        pieces.push_back(
            special_piece(special_tokens, item.at("SpecialToken").at("id").as_string(), item));
      } else {
        item.fail("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}, got " + item.brief());
      }
    }
  }
  return std::make_unique<TemplateProcessor>(std::move(pieces));
}

}  // namespace attnscope::tokenizer
