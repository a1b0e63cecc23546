#include "analysis/summary.h"

#include <map>
#include <utility>

namespace attnscope::analysis {

void RunningFigures::add(const HeadFigures& figures) {
  for (size_t f = 0; f < kFigureCount; ++f) {
    const double x = figures.values[f];
    if (std::isnan(x)) continue;
    ++count_[f];
    const double delta = x - mean_[f];
    mean_[f] += delta / static_cast<double>(count_[f]);
    m2_[f] += delta * (x - mean_[f]);
  }
}

std::array<FigureSummary, kFigureCount> RunningFigures::summary() const {
  std::array<FigureSummary, kFigureCount> out;
  for (size_t f = 0; f < kFigureCount; ++f) {
    out[f].texts = count_[f];
    if (count_[f] == 0) continue;
    out[f].mean = mean_[f];
    out[f].std = std::sqrt(std::max(0.0, m2_[f]) / static_cast<double>(count_[f]));
  }
  return out;
}

HeadFigures RunningFigures::means() const {
  HeadFigures out;
  for (size_t f = 0; f < kFigureCount; ++f) {
    if (count_[f] > 0) out.values[f] = mean_[f];
  }
  return out;
}

void apply_probe_patterns(AnalysisSummary& summary, const ProbeResult& probe) {
  std::map<std::pair<int, int>, const HeadProbe*> by_head;
  for (const HeadProbe& h : probe.heads) by_head[{h.layer, h.head}] = &h;
  std::map<int, std::array<int, kPatternCount>> counts;
  for (HeadSummary& head : summary.heads) {
    if (const auto it = by_head.find({head.layer, head.head}); it != by_head.end()) {
      const ProbePatternScores scores{.induction = it->second->induction_score,
                                      .duplicate = it->second->duplicate_token_score};
      head.pattern = classify_scores(head.pattern.scores, summary.thresholds, scores);
    }
    ++counts[head.layer][static_cast<size_t>(head.pattern.pattern)];
  }
  for (LayerSummary& layer : summary.layers) layer.pattern_counts = counts[layer.layer];
  summary.probe = probe.options;
}

}  // namespace attnscope::analysis
