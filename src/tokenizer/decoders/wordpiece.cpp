// WordPiece decoder: "##" continuations glue to the previous token, other tokens get a space;
// cleanup removes spaces before punctuation and in contractions.
#include "tokenizer/decoders/decoders.h"

namespace attnscope::tokenizer {

namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

class WordPieceDecoder : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup)
      : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      if (i != 0) {
        if (token.compare(0, prefix_.size(), prefix_) == 0) {
          token.erase(0, prefix_.size());
        } else {
          token.insert(0, " ");
        }
      }
      if (cleanup_) {
        replace_all(token, " .", ".");
        replace_all(token, " ?", "?");
        replace_all(token, " !", "!");
        replace_all(token, " ,", ",");
        replace_all(token, " ' ", "'");
        replace_all(token, " n't", "n't");
        replace_all(token, " 'm", "'m");
        replace_all(token, " do not", " don't");
        replace_all(token, " 's", "'s");
        replace_all(token, " 've", "'ve");
        replace_all(token, " 're", "'re");
      }
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

}  // namespace

std::unique_ptr<Decoder> make_wordpiece_decoder(const JsonNode& node) {
  return std::make_unique<WordPieceDecoder>(node.get_or("prefix", "##"),
                                            node.get_or("cleanup", true));
}

}  // namespace attnscope::tokenizer
