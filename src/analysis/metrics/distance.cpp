#include "analysis/metrics/distance.h"

#include <cmath>

namespace attnscope::analysis {

void DistanceAccumulator::add_row(const QueryRow& row) {
  const float* p = row.keys.data();
  const size_t n = row.keys.size();
  const double i = static_cast<double>(row.query);
  double sum = 0;
#pragma omp simd reduction(+ : sum)
  for (size_t j = 0; j < n; ++j) {
    // Through int32: AVX2 converts int32 (not int64) vectors to double. n < 2^31 (T*T fits).
    const double gap = std::fabs(i - static_cast<double>(static_cast<int32_t>(j)));
    sum += static_cast<double>(p[j]) * gap;
  }
  distance_sum_ += sum;
  ++rows_;
  tokens_ = row.tokens;
}

void DistanceAccumulator::finish(HeadFigures& figures) const {
  const double distance = mean_or_undefined(distance_sum_, rows_);
  figures[Figure::kDistance] = distance;
  figures[Figure::kDistanceNormalized] =
      rows_ == 0 ? kUndefined : (tokens_ > 1 ? distance / static_cast<double>(tokens_ - 1) : 0.0);
}

}  // namespace attnscope::analysis
