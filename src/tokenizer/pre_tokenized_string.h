// The text between pipeline stages: a list of splits, each a NormalizedString that still maps
// back to the original input, plus its tokens once an added token or the model produced them
// (Hugging Face's PreTokenizedString).
//
//   PreTokenizedString pts(text);
//   pts.split([](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) { ... });
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/normalized_string.h"

namespace attnscope::tokenizer {

// One token of a split; start/end are byte offsets into the split's normalized string.
struct Token {
  int64_t id = 0;
  std::string value;
  uint32_t start = 0;
  uint32_t end = 0;
};

struct Split {
  NormalizedString normalized;
  std::optional<std::vector<Token>> tokens;  // set once the split is final
};

class PreTokenizedString {
 public:
  explicit PreTokenizedString(std::string_view original) {
    splits_.push_back({NormalizedString(original, 0), std::nullopt});
  }

  std::vector<Split>& splits() { return splits_; }
  const std::vector<Split>& splits() const { return splits_; }

  // Replaces every split without tokens by the pieces f(index, split, out) produces; empty
  // pieces are dropped. Splits that already have tokens are kept as they are.
  template <class F>
  void split(F&& f) {
    std::vector<Split> next;
    next.reserve(splits_.size());
    std::vector<NormalizedString> pieces;
    for (size_t i = 0; i < splits_.size(); ++i) {
      Split& s = splits_[i];
      if (s.tokens) {
        next.push_back(std::move(s));
        continue;
      }
      pieces.clear();
      f(i, std::move(s.normalized), pieces);
      for (NormalizedString& piece : pieces) {
        if (!piece.empty()) next.push_back({std::move(piece), std::nullopt});
      }
    }
    splits_ = std::move(next);
  }

  // Calls f(normalized) on every split without tokens.
  template <class F>
  void normalize(F&& f) {
    for (Split& s : splits_) {
      if (!s.tokens) f(s.normalized);
    }
  }

 private:
  std::vector<Split> splits_;
};

}  // namespace attnscope::tokenizer
