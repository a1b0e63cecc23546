// `analyze` without storing attention: a RowObserver that turns each block of query rows into
// per-head running sums the moment the forward pass hands it over, and keeps only running means
// and variances over texts. Memory: O(layers * heads) accumulators plus a row of scratch per
// thread, whatever the sequence length; the forward pass holds one block of query rows of every
// head (observer.h), so a long input never needs a whole [head, T, T] layer. Heads are
// accumulated in parallel (ops::parallel_for), each head's rows in query order.
//
//   StreamingStats stats;                          // or StreamingStats({.layers = {0, 5}})
//   for (const auto& text : texts) {
//     stats.begin_text(encoded.special_mask);      // [T], 1 = special token
//     model.forward(encoded.ids, {&stats});        // blocks of query rows, layer by layer
//   }
//   AnalysisSummary summary = stats.summary();
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "analysis/head_figures.h"
#include "analysis/patterns.h"
#include "analysis/sequence_layout.h"
#include "analysis/summary.h"
#include "model/observer.h"

namespace attnscope::analysis {

struct StreamingStatsOptions {
  // Layers to analyse; empty = all.
  std::set<int> layers;
  // Heads (index within a layer) to analyse; empty = all. Layer figures are the mean of these.
  std::set<int> heads;
  PatternThresholds thresholds;
};

class StreamingStats : public RowObserver {
 public:
  explicit StreamingStats(StreamingStatsOptions options = {});

  // Declares the sequences of the next forward pass: one special-token mask [T] per sequence
  // (1 = special; an empty mask = unknown, which leaves `special` undefined) and its token
  // strings (optional, reported in the summary).
  void begin_batch(std::vector<std::vector<uint8_t>> special_masks,
                   std::vector<std::vector<std::string>> tokens = {});
  void begin_text(std::vector<uint8_t> special_mask, std::vector<std::string> tokens = {});

  void on_attention_rows(const AttentionRows& rows) override;

  // Texts seen so far.
  int64_t texts() const;
  bool wants_layer(int layer) const;
  bool wants_head(int head) const;
  AnalysisSummary summary() const;

 private:
  struct LayerAccumulator {
    std::vector<RunningFigures> heads;  // [head]
    RunningFigures layer;
  };

  // The (layer, sequence) whose blocks are arriving: one accumulator per head until its last
  // block.
  struct Pending {
    int layer = 0;
    int64_t sequence = 0;
    std::optional<SequenceLayout> layout;
    std::vector<HeadFiguresAccumulator> heads;  // [head]
  };
  void finish_layer(Pending& pending);

  StreamingStatsOptions options_;
  std::optional<Pending> pending_;
  std::map<int, LayerAccumulator> layers_;
  std::vector<std::vector<uint8_t>> special_masks_;  // [sequence][T] of the current batch
  std::vector<std::vector<std::string>> tokens_;     // every text so far
  int64_t texts_before_batch_ = 0;
  int64_t batch_size_ = 0;
  std::optional<bool> causal_;
};

}  // namespace attnscope::analysis
