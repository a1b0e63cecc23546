// What pre-tokenizers and normalizers split or replace on: a literal string, a PCRE2 regex or a
// character predicate, plus Hugging Face's SplitDelimiterBehavior that decides what happens to
// the matched delimiters (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous).
//
//   Pattern p = Pattern::literal(" ");
//   std::vector<Piece> pieces = p.find_matches(text);       // covers the whole text
//   auto kept = apply_behavior(pieces, SplitBehavior::kIsolated);
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_reader.h"
#include "tokenizer/normalized_string.h"
#include "tokenizer/regex.h"

namespace attnscope::tokenizer {

class Pattern {
 public:
  static Pattern literal(std::string text);
  static Pattern regex(std::string_view pattern, const std::string& where);
  static Pattern predicate(std::function<bool(char32_t)> is_match);
  // Reads {"String": "..."} or {"Regex": "..."} at `node`.
  static Pattern from_json(const JsonNode& node);

  // Pieces covering all of `text` in order, each flagged as match or not (an empty text gives
  // one empty non-match). Invert flips the flags.
  std::vector<Piece> find_matches(std::string_view text, bool invert = false) const;
  // Only the matches.
  std::vector<Piece> matches(std::string_view text) const;

 private:
  enum class Kind { kLiteral, kRegex, kPredicate };
  Kind kind_ = Kind::kLiteral;
  std::string literal_;
  std::shared_ptr<const Regex> regex_;
  std::function<bool(char32_t)> predicate_;
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Parses "Removed", "Isolated", ... at `node`.
SplitBehavior split_behavior_from_json(const JsonNode& node);

// The byte ranges to keep as separate pieces, empty ones dropped.
std::vector<Piece> apply_behavior(const std::vector<Piece>& pieces, SplitBehavior behavior);

// Splits `s` on `pattern` with `behavior` and appends the non-empty slices to `out`.
void split_normalized(const NormalizedString& s, const Pattern& pattern, SplitBehavior behavior,
                      bool invert, std::vector<NormalizedString>& out);

}  // namespace attnscope::tokenizer
