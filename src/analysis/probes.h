// Circuit probes (Olsson et al. 2022, with TransformerLens's conventions; METRICS.md "Probes"):
// the model reads BOS (when it has one) followed by n random ordinary token ids repeated twice,
// r_1..r_n r_1..r_n, for several batches with fixed seeds. Over the second-half query positions
// i, each head's mean of
//   previous_token_score  A[i][i-1]
//   duplicate_token_score A[i][i-n]    (the same token's earlier occurrence)
//   induction_score       A[i][i-n+1]  (the token after the earlier occurrence)
// is its score; the means run over positions and batches. ProbeScores is the observer that
// accumulates them (one pass, a few doubles per head); run_probes drives a model.
//
//   ProbeResult p = run_probes(analyzer.source(), {.n = 20, .batches = 4, .seed = 0});
//   for (const HeadProbe& h : ranked_by(p.heads, ProbeKind::kInduction)) ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/attention_source.h"
#include "model/observer.h"

namespace attnscope::analysis {

enum class ProbeKind { kPreviousToken, kDuplicateToken, kInduction };
inline constexpr ProbeKind kProbeKinds[] = {ProbeKind::kPreviousToken, ProbeKind::kDuplicateToken,
                                            ProbeKind::kInduction};
// "previous_token_score", "duplicate_token_score", "induction_score".
std::string_view probe_score_name(ProbeKind kind);
// The pattern class a probe adds to a head: "previous", "duplicate", "induction".
std::string_view probe_pattern_name(ProbeKind kind);

// A head is given a probe's pattern when that score reaches this (and is its highest probe).
inline constexpr double kProbePatternThreshold = 0.5;

struct HeadProbe {
  int layer = 0;
  int head = 0;
  double previous_token_score = 0;
  double duplicate_token_score = 0;
  double induction_score = 0;
  double score(ProbeKind kind) const;
  // "induction", "duplicate", "previous" for the highest probe score >= threshold, else "".
  std::string pattern(double threshold = kProbePatternThreshold) const;
};

struct ProbeOptions {
  int64_t n = 20;       // random tokens per half (the sequence is 2n, plus BOS)
  int64_t batches = 4;  // sequences, batch b drawn with seed + b
  uint64_t seed = 0;
};

// Largest accepted n and batches (a probe input is 2n + 1 tokens).
inline constexpr int64_t kMaxProbeTokens = 2048;
inline constexpr int64_t kMaxProbeBatches = 1024;

struct ProbeResult {
  ProbeOptions options;
  std::optional<int64_t> bos_id;
  std::vector<HeadProbe> heads;  // layer-major, head-minor
};

// The probe input of one batch: [BOS] r_1..r_n r_1..r_n, ids drawn uniformly (with
// replacement) from `ordinary_ids` by a SplitMix64 generator seeded with `seed` (the same ids
// on every platform).
std::vector<int64_t> probe_sequence(const std::vector<int64_t>& ordinary_ids,
                                    std::optional<int64_t> bos_id, int64_t n, uint64_t seed);

// Accumulates the three scores of every head over the sequences it sees; `offset` is 1 with
// BOS, else 0.
// Takes blocks of query rows (RowObserver), so probing needs no whole layer.
class ProbeScores : public RowObserver {
 public:
  ProbeScores(int64_t n, int64_t offset) : n_(n), offset_(offset) {}
  void on_attention_rows(const AttentionRows& rows) override;
  // Mean over every second-half position of every sequence seen, per (layer, head).
  std::vector<HeadProbe> heads() const;

 private:
  int64_t n_, offset_;
  struct Sums {
    int layer = 0;
    std::vector<double> previous, duplicate, induction;  // [head]
    int64_t rows = 0;
  };
  std::vector<Sums> layers_;  // in layer order of first appearance
};

// Runs every batch through `source`. InputError for n < 2, batches < 1 or above the limits,
// or a vocabulary without ordinary tokens.
ProbeResult run_probes(AttentionSource& source, const ProbeOptions& options = {});

// Heads sorted by one score, highest first (ties: layer, then head).
std::vector<HeadProbe> ranked_by(std::vector<HeadProbe> heads, ProbeKind kind);

}  // namespace attnscope::analysis
