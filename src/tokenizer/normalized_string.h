// A piece of text being normalized, with an alignment for every byte of the normalized form that
// points back into the ORIGINAL input (absolute byte offsets), as Hugging Face's NormalizedString
// does. Normalizers rewrite it; pre-tokenizers slice it; every token's offsets come from it.
//
//   NormalizedString s("Héllo", 0);
//   s.map_chars([](char32_t c, CharSink& out) { out.push(unicode::to_lower_simple(c)); });
//   auto [begin, end] = s.original_range(0, 2);  // original bytes behind "hé"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/unicode.h"

namespace attnscope::tokenizer {

// Original byte range [start, end) behind one normalized byte.
struct Alignment {
  uint32_t start = 0;
  uint32_t end = 0;
};

// Collects the code points one input character becomes (none removes it).
class CharSink {
 public:
  void push(char32_t c) { chars_[count_++] = c; }
  size_t size() const { return count_; }
  char32_t operator[](size_t i) const { return chars_[i]; }
  void clear() { count_ = 0; }

 private:
  char32_t chars_[8];
  size_t count_ = 0;
};

// A byte range [start, end) of a string, and whether it is a match of some pattern.
struct Piece {
  size_t start = 0;
  size_t end = 0;
  bool is_match = false;
};

class NormalizedString {
 public:
  NormalizedString() = default;
  // `text` starts at byte `original_offset` of the original input.
  NormalizedString(std::string_view text, uint32_t original_offset);

  const std::string& get() const { return normalized_; }
  bool empty() const { return normalized_.empty(); }
  size_t size() const { return normalized_.size(); }
  const std::vector<Alignment>& alignments() const { return alignments_; }
  // Where this piece starts in the original input (used for empty ranges and insertions).
  uint32_t original_start() const { return original_start_; }

  // Original byte range behind normalized bytes [start, end).
  Alignment original_range(size_t start, size_t end) const;
  // A copy of normalized bytes [start, end) with their alignments.
  NormalizedString slice(size_t start, size_t end) const;

  // Rewrites each character through f(c, sink). The first output character takes the input
  // character's alignment, further ones are insertions aligned with it too, and an empty output
  // removes the character (Hugging Face's transform with changes 0, +1 and -1).
  template <class F>
  void map_chars(F&& f) {
    std::string out;
    std::vector<Alignment> out_align;
    out.reserve(normalized_.size() + normalized_.size() / 4);
    out_align.reserve(out.capacity());
    CharSink sink;
    size_t pos = 0;
    const size_t n = normalized_.size();
    while (pos < n) {
      const size_t start = pos;
      const char32_t c = unicode::decode_utf8(normalized_, pos);
      sink.clear();
      f(c, sink);
      const Alignment align = alignments_[start];
      for (size_t k = 0; k < sink.size(); ++k) {
        const size_t before = out.size();
        if (sink[k] == c && sink.size() == 1) {
          out.append(normalized_, start, pos - start);
        } else {
          unicode::append_utf8(out, sink[k]);
        }
        out_align.insert(out_align.end(), out.size() - before, align);
      }
    }
    normalized_ = std::move(out);
    alignments_ = std::move(out_align);
  }

  // Replaces the given matched byte ranges (non-overlapping, increasing) by `content`; the new
  // bytes align with the last character of the match (an empty match: the character before).
  void replace_ranges(const std::vector<Piece>& matches, std::string_view content);
  // Adds `prefix` in front; it aligns with the first character. No-op on an empty string.
  void prepend(std::string_view prefix);
  // Adds `suffix` at the end, aligned with the last character. No-op on an empty string.
  void append(std::string_view suffix);
  // Removes leading and/or trailing whitespace.
  void strip(bool left, bool right);
  // Replaces the content wholesale (for normalizers that compute their own alignments).
  void assign(std::string normalized, std::vector<Alignment> alignments);

 private:
  std::string normalized_;
  std::vector<Alignment> alignments_;  // [normalized byte]
  uint32_t original_start_ = 0;
};

}  // namespace attnscope::tokenizer
