#include "analysis/streaming_stats.h"

#include <algorithm>
#include <string>

#include "analysis/head_figures.h"
#include "core/error.h"

namespace attnscope::analysis {

StreamingStats::StreamingStats(StreamingStatsOptions options) : options_(std::move(options)) {}

void StreamingStats::begin_batch(std::vector<std::vector<uint8_t>> special_masks,
                                 std::vector<std::vector<std::string>> tokens) {
  texts_before_batch_ += batch_size_;
  batch_size_ = static_cast<int64_t>(special_masks.size());
  special_masks_ = std::move(special_masks);
  for (auto& t : tokens) tokens_.push_back(std::move(t));
}

void StreamingStats::begin_text(std::vector<uint8_t> special_mask,
                                std::vector<std::string> tokens) {
  std::vector<std::vector<std::string>> batch_tokens;
  if (!tokens.empty()) batch_tokens.push_back(std::move(tokens));
  begin_batch({std::move(special_mask)}, std::move(batch_tokens));
}

int64_t StreamingStats::texts() const { return texts_before_batch_ + batch_size_; }

bool StreamingStats::wants_layer(int layer) const {
  return options_.layers.empty() || options_.layers.count(layer) > 0;
}

void StreamingStats::on_attention(const LayerAttention& attention) {
  if (!wants_layer(attention.layer)) return;
  if (attention.sequence < 0) {
    throw InputError("attention for sequence " + std::to_string(attention.sequence) +
                     ": sequence index must be >= 0");
  }
  // A caller that never declared the batch still gets counted texts (special = unknown).
  batch_size_ = std::max(batch_size_, attention.sequence + 1);
  if (causal_ && *causal_ != attention.causal) {
    throw InputError("layer " + std::to_string(attention.layer) +
                     ": causal flag differs from earlier layers");
  }
  causal_ = attention.causal;
  const size_t sequence = static_cast<size_t>(attention.sequence);
  std::span<const uint8_t> special;
  if (sequence < special_masks_.size()) special = special_masks_[sequence];

  const std::vector<HeadFigures> heads = compute_layer_figures(attention, special);
  LayerAccumulator& acc = layers_[attention.layer];
  if (acc.heads.empty()) acc.heads.resize(heads.size());
  if (acc.heads.size() != heads.size()) {
    throw InputError("layer " + std::to_string(attention.layer) + " has " +
                     std::to_string(heads.size()) + " heads; earlier texts had " +
                     std::to_string(acc.heads.size()));
  }
  std::vector<HeadFigures> selected;
  for (size_t h = 0; h < heads.size(); ++h) {
    if (!wants_head(static_cast<int>(h))) continue;
    acc.heads[h].add(heads[h]);
    selected.push_back(heads[h]);
  }
  if (selected.empty()) {
    throw InputError("layer " + std::to_string(attention.layer) + " has " +
                     std::to_string(heads.size()) + " heads; none of the selected heads");
  }
  acc.layer.add(mean_over_heads(selected));
}

bool StreamingStats::wants_head(int head) const {
  return options_.heads.empty() || options_.heads.count(head) > 0;
}

AnalysisSummary StreamingStats::summary() const {
  AnalysisSummary out;
  out.causal = causal_.value_or(false);
  out.texts = texts();
  out.tokens = tokens_;
  out.thresholds = options_.thresholds;
  for (const auto& [layer, acc] : layers_) {
    LayerSummary layer_summary;
    layer_summary.layer = layer;
    layer_summary.figures = acc.layer.summary();
    for (size_t h = 0; h < acc.heads.size(); ++h) {
      if (!wants_head(static_cast<int>(h))) continue;
      HeadSummary head;
      head.layer = layer;
      head.head = static_cast<int>(h);
      head.figures = acc.heads[h].summary();
      head.pattern = classify_head(acc.heads[h].means(), options_.thresholds);
      ++layer_summary.pattern_counts[static_cast<size_t>(head.pattern.pattern)];
      out.heads.push_back(std::move(head));
    }
    out.layers.push_back(std::move(layer_summary));
  }
  return out;
}

}  // namespace attnscope::analysis
