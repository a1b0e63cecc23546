// The result of `analyze`: per head and per layer, each figure's mean over texts with its
// population standard deviation (sqrt(sum (x - mean)^2 / N); 0 for one text), and the head's
// pattern classified from the means. JSON layout: docs/analysis.md (written by report/).
//
//   AnalysisSummary s = stats.summary();          // from StreamingStats
//   for (const HeadSummary& h : s.heads) std::cout << pattern_name(h.pattern.pattern);
//   (serialised by src/report: analysis_json, write_analysis_table, write_analysis_csv)
//   apply_probe_patterns(s, run_probes(source));  // heads gain induction / duplicate
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/figures.h"
#include "analysis/patterns.h"
#include "analysis/probes.h"

namespace attnscope::analysis {

struct FigureSummary {
  double mean = kUndefined;
  double std = kUndefined;  // population standard deviation over texts
  int64_t texts = 0;        // texts where the figure was defined
};

// Welford's running mean and variance of every figure over texts; undefined (NaN) values of a
// text are skipped for that figure only.
class RunningFigures {
 public:
  void add(const HeadFigures& figures);
  std::array<FigureSummary, kFigureCount> summary() const;
  HeadFigures means() const;

 private:
  std::array<int64_t, kFigureCount> count_{};
  std::array<double, kFigureCount> mean_{};
  std::array<double, kFigureCount> m2_{};
};

struct HeadSummary {
  int layer = 0;
  int head = 0;
  std::array<FigureSummary, kFigureCount> figures;
  PatternResult pattern;
  const FigureSummary& operator[](Figure f) const { return figures[static_cast<size_t>(f)]; }
};

struct LayerSummary {
  int layer = 0;
  // Per text, the mean of the layer's heads; then mean and std over texts.
  std::array<FigureSummary, kFigureCount> figures;
  // How many of the layer's heads have each pattern, indexed by Pattern (the probe classes stay
  // 0 unless a probe was run).
  std::array<int, kPatternCount> pattern_counts{};
  const FigureSummary& operator[](Figure f) const { return figures[static_cast<size_t>(f)]; }
};

struct AnalysisSummary {
  std::string model;  // what produced the attention (model spec or file), may be empty
  bool causal = false;
  int64_t texts = 0;
  // Token strings per text (may be empty when unknown, e.g. a saved file without tokens).
  std::vector<std::vector<std::string>> tokens;
  PatternThresholds thresholds;
  // The probe whose induction / duplicate scores joined the pattern classes
  // (apply_probe_patterns), if one was run; without it the probe classes are absent.
  std::optional<ProbeOptions> probe;
  std::vector<HeadSummary> heads;  // ordered by layer, then head
  std::vector<LayerSummary> layers;
};

// Adds the probe classes to `summary`: each head's induction_score and duplicate_token_score
// from `probe` (matched by layer and head) compete with its text classes under
// summary.thresholds, and every layer's pattern_counts are recounted. Heads the probe did not
// score keep their pattern.
void apply_probe_patterns(AnalysisSummary& summary, const ProbeResult& probe);

}  // namespace attnscope::analysis
