#include "analysis/streaming_stats.h"

#include <algorithm>
#include <string>

#include "analysis/head_figures.h"
#include "core/error.h"
#include "ops/parallel.h"

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

void StreamingStats::on_attention_rows(const AttentionRows& rows) {
  if (!wants_layer(rows.layer)) return;
  if (rows.sequence < 0) {
    throw InputError("attention for sequence " + std::to_string(rows.sequence) +
                     ": sequence index must be >= 0");
  }
  const int64_t T = rows.num_tokens, heads = rows.num_heads;
  rows.check_shape();
  if (rows.query_begin == 0) {
    // A caller that never declared the batch still gets counted texts (special = unknown).
    batch_size_ = std::max(batch_size_, rows.sequence + 1);
    if (causal_ && *causal_ != rows.causal) {
      throw InputError("layer " + std::to_string(rows.layer) +
                       ": causal flag differs from earlier layers");
    }
    causal_ = rows.causal;
    const size_t sequence = static_cast<size_t>(rows.sequence);
    std::span<const uint8_t> special;
    if (sequence < special_masks_.size()) special = special_masks_[sequence];
    // A Pending value, not emplace(): clang sees the nested struct as not default-constructible.
    pending_.emplace(Pending{});
    pending_->layer = rows.layer;
    pending_->sequence = rows.sequence;
    pending_->layout.emplace(T, rows.attention_mask, rows.causal, special);
    pending_->heads.resize(heads);
  } else if (!pending_ || pending_->layer != rows.layer || pending_->sequence != rows.sequence ||
             static_cast<int64_t>(pending_->heads.size()) != heads) {
    throw InputError("layer " + std::to_string(rows.layer) + ": query rows from " +
                     std::to_string(rows.query_begin) +
                     " arrived without the rows before them (blocks must come in query order)");
  }
  Pending& p = *pending_;
  const SequenceLayout& layout = *p.layout;
  const int64_t n = layout.size();
  // Heads in parallel; each head's rows in query order, so the sums are those of a whole layer.
  ops::parallel_for(heads, 1, [&](int64_t first, int64_t last) {
    RowGather gather(layout);
    for (int64_t h = first; h < last; ++h) {
      if (!wants_head(static_cast<int>(h))) continue;
      for (int64_t q = rows.query_begin; q < rows.query_end; ++q) {
        const int64_t r = layout.real_index(q);
        if (r < 0) continue;  // a padded query row never counts
        p.heads[h].add_row(QueryRow{gather.keys(rows.row(h, q), r), r, n, layout.special()});
      }
    }
  });
  if (rows.last()) {
    Pending done = std::move(p);
    pending_.reset();
    finish_layer(done);
  }
}

void StreamingStats::finish_layer(Pending& pending) {
  const size_t count = pending.heads.size();
  LayerAccumulator& acc = layers_[pending.layer];
  if (acc.heads.empty()) acc.heads.resize(count);
  if (acc.heads.size() != count) {
    throw InputError("layer " + std::to_string(pending.layer) + " has " + std::to_string(count) +
                     " heads; earlier texts had " + std::to_string(acc.heads.size()));
  }
  std::vector<HeadFigures> selected;
  for (size_t h = 0; h < count; ++h) {
    if (!wants_head(static_cast<int>(h))) continue;
    const HeadFigures figures = pending.heads[h].finish();
    acc.heads[h].add(figures);
    selected.push_back(figures);
  }
  if (selected.empty()) {
    throw InputError("layer " + std::to_string(pending.layer) + " has " + std::to_string(count) +
                     " heads; none of the selected heads");
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
