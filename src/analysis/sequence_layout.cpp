#include "analysis/sequence_layout.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace attnscope::analysis {

SequenceLayout::SequenceLayout(int64_t padded_tokens, std::span<const int64_t> attention_mask,
                               bool causal, std::span<const uint8_t> special_mask)
    : padded_tokens_(padded_tokens), causal_(causal) {
  if (padded_tokens < 0) {
    throw InputError("sequence length must be >= 0, got " + std::to_string(padded_tokens));
  }
  if (!attention_mask.empty() && static_cast<int64_t>(attention_mask.size()) != padded_tokens) {
    throw InputError("attention_mask has " + std::to_string(attention_mask.size()) +
                     " entries; expected " + std::to_string(padded_tokens) + " (one per token)");
  }
  if (!special_mask.empty() && static_cast<int64_t>(special_mask.size()) != padded_tokens) {
    throw InputError("special token mask has " + std::to_string(special_mask.size()) +
                     " entries; expected " + std::to_string(padded_tokens) + " (one per token)");
  }
  real_positions_.reserve(padded_tokens);
  for (int64_t pos = 0; pos < padded_tokens; ++pos) {
    const int64_t flag = attention_mask.empty() ? 1 : attention_mask[pos];
    if (flag != 0 && flag != 1) {
      throw InputError("attention_mask[" + std::to_string(pos) + "] is " + std::to_string(flag) +
                       "; expected 0 (padding) or 1 (real token)");
    }
    if (flag == 0) continue;
    if (!real_positions_.empty() && real_positions_.back() != pos - 1) contiguous_ = false;
    real_positions_.push_back(pos);
  }
  if (!special_mask.empty()) {
    special_.reserve(real_positions_.size());
    for (int64_t pos : real_positions_) special_.push_back(special_mask[pos] != 0 ? 1 : 0);
  }
}

int64_t SequenceLayout::real_index(int64_t position) const {
  if (real_positions_.empty() || position < 0 || position >= padded_tokens_) return -1;
  if (contiguous_) {
    const int64_t r = position - real_positions_.front();
    return r >= 0 && r < size() ? r : -1;
  }
  const auto it = std::lower_bound(real_positions_.begin(), real_positions_.end(), position);
  return it != real_positions_.end() && *it == position ? it - real_positions_.begin() : -1;
}

RowGather::RowGather(const SequenceLayout& layout) : layout_(layout) {
  if (!layout.contiguous()) scratch_.resize(layout.size());
}

std::span<const float> RowGather::row(const float* head_probs, int64_t r) {
  return keys(head_probs + layout_.position(r) * layout_.padded_tokens(), r);
}

std::span<const float> RowGather::keys(const float* query_row, int64_t r) {
  const int64_t visible = layout_.visible_keys(r);
  if (layout_.contiguous()) return {query_row + layout_.position(0), static_cast<size_t>(visible)};
  const auto& positions = layout_.real_positions();
  for (int64_t k = 0; k < visible; ++k) scratch_[k] = query_row[positions[k]];
  return {scratch_.data(), static_cast<size_t>(visible)};
}

}  // namespace attnscope::analysis
