#include "analysis/summary.h"

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

}  // namespace attnscope::analysis
