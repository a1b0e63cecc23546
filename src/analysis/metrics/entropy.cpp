#include "analysis/metrics/entropy.h"

#include "analysis/metrics/p_log_p.h"

#include <cmath>

namespace attnscope::analysis {

double row_entropy(std::span<const float> keys) {
  const float* p = keys.data();
  const size_t n = keys.size();
  double sum = 0;
#pragma omp simd reduction(+ : sum)
  for (size_t j = 0; j < n; ++j) sum += p_log_p(static_cast<double>(p[j]));
  return -sum;
}

void EntropyAccumulator::add_row(const QueryRow& row) {
  const int64_t visible = static_cast<int64_t>(row.keys.size());
  if (visible < 2) return;
  const double entropy = row_entropy(row.keys);
  entropy_sum_ += entropy;
  normalized_sum_ += entropy / std::log(static_cast<double>(visible));
  ++rows_;
}

void EntropyAccumulator::finish(HeadFigures& figures) const {
  figures[Figure::kEntropy] = mean_or_undefined(entropy_sum_, rows_);
  figures[Figure::kNormalizedEntropy] = mean_or_undefined(normalized_sum_, rows_);
}

}  // namespace attnscope::analysis
