#include "analysis/head_figures.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace attnscope::analysis {

void HeadFiguresAccumulator::add_row(const QueryRow& row) {
  entropy_.add_row(row);
  magnitude_.add_row(row);
  positional_.add_row(row);
  special_.add_row(row);
  distance_.add_row(row);
}

HeadFigures HeadFiguresAccumulator::finish() const {
  HeadFigures figures;
  entropy_.finish(figures);
  magnitude_.finish(figures);
  positional_.finish(figures);
  special_.finish(figures);
  distance_.finish(figures);
  return figures;
}

HeadFigures compute_head_figures(const float* head_probs, const SequenceLayout& layout) {
  HeadFiguresAccumulator accumulator;
  RowGather rows(layout);
  const int64_t n = layout.size();
  for (int64_t r = 0; r < n; ++r) {
    accumulator.add_row(QueryRow{rows.row(head_probs, r), r, n, layout.special()});
  }
  return accumulator.finish();
}

std::vector<HeadFigures> compute_layer_figures(const LayerAttention& attention,
                                               std::span<const uint8_t> special_mask) {
  const int64_t tokens = attention.num_tokens;
  const int64_t per_head = tokens * tokens;
  if (attention.num_heads < 0 || tokens < 0 ||
      static_cast<int64_t>(attention.probs.size()) != attention.num_heads * per_head) {
    throw ShapeError("layer " + std::to_string(attention.layer) + " attention",
                     {attention.num_heads, tokens, tokens},
                     {static_cast<int64_t>(attention.probs.size())});
  }
  const SequenceLayout layout(tokens, attention.attention_mask, attention.causal, special_mask);
  std::vector<HeadFigures> heads;
  heads.reserve(attention.num_heads);
  for (int64_t head = 0; head < attention.num_heads; ++head) {
    heads.push_back(compute_head_figures(attention.probs.data() + head * per_head, layout));
  }
  return heads;
}

HeadFigures mean_over_heads(std::span<const HeadFigures> heads) {
  HeadFigures mean;
  for (size_t f = 0; f < kFigureCount; ++f) {
    double sum = 0;
    int64_t count = 0;
    for (const HeadFigures& head : heads) {
      if (std::isnan(head.values[f])) continue;
      sum += head.values[f];
      ++count;
    }
    mean.values[f] = count > 0 ? sum / static_cast<double>(count) : kUndefined;
  }
  return mean;
}

}  // namespace attnscope::analysis
