#include "analysis/metrics/magnitude.h"

#include <algorithm>

namespace attnscope::analysis {

void MagnitudeAccumulator::add_row(const QueryRow& row) {
  if (row.keys.empty()) return;
  const float* p = row.keys.data();
  const size_t n = row.keys.size();
  float row_max = p[0];
  float row_min = p[0];
  double row_sum = 0;
  // Two loops: float and double lanes in one loop defeat GCC's vectorizer.
#pragma omp simd reduction(max : row_max) reduction(min : row_min)
  for (size_t j = 0; j < n; ++j) {
    row_max = std::max(row_max, p[j]);
    row_min = std::min(row_min, p[j]);
  }
#pragma omp simd reduction(+ : row_sum)
  for (size_t j = 0; j < n; ++j) row_sum += static_cast<double>(p[j]);
  if (entries_ == 0) {
    max_ = row_max;
    min_ = row_min;
  } else {
    max_ = std::max(max_, row_max);
    min_ = std::min(min_, row_min);
  }
  confidence_sum_ += row_max;
  ++rows_;
  weight_sum_ += row_sum;
  entries_ += static_cast<int64_t>(row.keys.size());
}

void MagnitudeAccumulator::finish(HeadFigures& figures) const {
  figures[Figure::kConfidence] = mean_or_undefined(confidence_sum_, rows_);
  figures[Figure::kMean] = mean_or_undefined(weight_sum_, entries_);
  figures[Figure::kMax] = entries_ > 0 ? max_ : kUndefined;
  figures[Figure::kMin] = entries_ > 0 ? min_ : kUndefined;
}

}  // namespace attnscope::analysis
