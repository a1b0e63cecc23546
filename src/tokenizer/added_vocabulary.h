// Added tokens ([CLS], <|endoftext|>, <s>, ...) are cut out of the text before the model sees
// it, as Hugging Face's AddedVocabulary does: tokens with normalized=false are matched on the
// original text first, then each remaining piece is normalized and tokens with normalized=true
// are matched on the normalized text. Matching is leftmost-longest; single_word, lstrip and
// rstrip adjust a match.
//
//   AddedVocabulary added(tokens, normalizer.get());
//   PreTokenizedString pts(text);
//   added.extract_and_normalize(pts, normalizer.get());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/components.h"

namespace attnscope::tokenizer {

struct AddedToken {
  int64_t id = 0;
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

// Leftmost-longest matching of a set of strings (a byte trie).
class TokenMatcher {
 public:
  struct Match {
    size_t start;
    size_t end;
    size_t index;  // which string
  };
  void add(std::string_view text, size_t index);
  bool empty() const { return nodes_.size() <= 1; }
  // Non-overlapping matches, left to right; at each position the longest.
  std::vector<Match> find_all(std::string_view text) const;

 private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children;
    int64_t index = -1;
  };
  std::vector<Node> nodes_{1};
  bool first_byte_[256] = {};
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // Splits the added tokens out of `pts` (one split holding the original text) and normalizes
  // the rest with `normalizer` (may be null).
  void extract_and_normalize(PreTokenizedString& pts, const Normalizer* normalizer) const;

  std::optional<int64_t> token_to_id(std::string_view content) const;
  const AddedToken* find_id(int64_t id) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  void split_on(const TokenMatcher& matcher, NormalizedString&& piece,
                std::vector<Split>& out) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<int64_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_content_;
  TokenMatcher original_matcher_;    // normalized == false
  TokenMatcher normalized_matcher_;  // normalized == true, content normalized
};

}  // namespace attnscope::tokenizer
