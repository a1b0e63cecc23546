// One pass over one head's attention matrix that feeds every metric family and returns the
// head's figures for one text. This is the pure core of `analyze`: no model, no files.
//
//   SequenceLayout layout(T, attention_mask, /*causal=*/false, special_mask);
//   HeadFigures f = compute_head_figures(probs.data() + h * T * T, layout);  // one head
//   std::vector<HeadFigures> heads = compute_layer_figures(layer_attention, special_mask);
#pragma once

#include <span>
#include <vector>

#include "analysis/figures.h"
#include "analysis/metrics/distance.h"
#include "analysis/metrics/entropy.h"
#include "analysis/metrics/magnitude.h"
#include "analysis/metrics/positional.h"
#include "analysis/metrics/special.h"
#include "analysis/sequence_layout.h"
#include "model/observer.h"

namespace attnscope::analysis {

// Every metric family of one head, fed one real query row at a time (in any grouping of rows,
// e.g. blocks of query rows from a streamed forward pass; rows in query order give the same
// sums as compute_head_figures).
class HeadFiguresAccumulator {
 public:
  void add_row(const QueryRow& row);
  HeadFigures finish() const;

 private:
  EntropyAccumulator entropy_;
  MagnitudeAccumulator magnitude_;
  PositionalAccumulator positional_;
  SpecialAccumulator special_;
  DistanceAccumulator distance_;
};

// `head_probs` is [query_pos, key_pos] over layout.padded_tokens() positions.
HeadFigures compute_head_figures(const float* head_probs, const SequenceLayout& layout);

// Every head of one layer: `attention.probs` is [head, query_pos, key_pos]; `special_mask` is
// [T] (empty = unknown). Throws ShapeError when probs does not hold num_heads * T * T values.
std::vector<HeadFigures> compute_layer_figures(const LayerAttention& attention,
                                               std::span<const uint8_t> special_mask);

// The layer figure: for each figure, the mean over the heads where it is defined.
HeadFigures mean_over_heads(std::span<const HeadFigures> heads);

}  // namespace attnscope::analysis
