// Which query rows count and which keys each of them sees (METRICS.md "visibility"): padding is
// dropped and the real tokens renumbered 0..n-1, so every metric works on a dense n x n matrix
// whose row r sees keys 0..r (causal) or 0..n-1 (bidirectional). With right padding (the Hugging
// Face default) the renumbering is the identity on real tokens; with left padding it makes
// position 0 the first real token, which is what `first` (the attention sink) means.
//
//   SequenceLayout layout(attention_mask, /*causal=*/true, special_mask);
//   RowGather rows(layout);
//   for (int64_t r = 0; r < layout.size(); ++r) {
//     std::span<const float> visible = rows.row(head_probs, r);   // keys of row r, renumbered
//   }
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace attnscope::analysis {

class SequenceLayout {
 public:
  // `attention_mask` [T] (1 = real, 0 = padding; empty = all real) of padded length
  // `padded_tokens`; `special_mask` [T] (1 = special token; empty = unknown).
  // Throws InputError when a mask has the wrong length or a value other than 0/1.
  SequenceLayout(int64_t padded_tokens, std::span<const int64_t> attention_mask, bool causal,
                 std::span<const uint8_t> special_mask);

  int64_t padded_tokens() const { return padded_tokens_; }
  // n, the number of real tokens.
  int64_t size() const { return static_cast<int64_t>(real_positions_.size()); }
  bool causal() const { return causal_; }
  // Padded position of real token r.
  int64_t position(int64_t r) const { return real_positions_[r]; }
  const std::vector<int64_t>& real_positions() const { return real_positions_; }
  // Real index r of padded position `position`; -1 for padding or a position outside [0, T).
  int64_t real_index(int64_t position) const;
  // True when the real tokens occupy one run of positions (no padding between them).
  bool contiguous() const { return contiguous_; }
  // |K_r|: keys visible to real query r.
  int64_t visible_keys(int64_t r) const { return causal_ ? r + 1 : size(); }
  bool has_special_mask() const { return !special_.empty(); }
  // [n] over real tokens; empty when unknown.
  std::span<const uint8_t> special() const { return special_; }

 private:
  int64_t padded_tokens_;
  bool causal_;
  bool contiguous_ = true;
  std::vector<int64_t> real_positions_;
  std::vector<uint8_t> special_;
};

// Hands out the visible part of a real query row of one head's [query_pos, key_pos] matrix, in
// renumbered key order: a view into the matrix when the real tokens are contiguous, else a
// gathered copy in a scratch row (so memory stays one row).
class RowGather {
 public:
  explicit RowGather(const SequenceLayout& layout);
  // `head_probs` is [query_pos, key_pos] over the padded length; the returned span holds
  // visible_keys(r) values and stays valid until the next call.
  std::span<const float> row(const float* head_probs, int64_t r);
  // The same from the padded row of real query r alone ([key_pos], padded_tokens() values), as
  // a block of query rows (AttentionRows::row) hands it out.
  std::span<const float> keys(const float* query_row, int64_t r);

 private:
  const SequenceLayout& layout_;
  std::vector<float> scratch_;  // [key_pos] over real tokens
};

}  // namespace attnscope::analysis
