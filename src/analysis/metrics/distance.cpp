#include "analysis/metrics/distance.h"

namespace attnscope::analysis {

void DistanceAccumulator::add_row(const QueryRow& row) {
  const int64_t i = row.query;
  double sum = 0;
  for (size_t j = 0; j < row.keys.size(); ++j) {
    const int64_t gap =
        i >= static_cast<int64_t>(j) ? i - static_cast<int64_t>(j) : static_cast<int64_t>(j) - i;
    sum += static_cast<double>(row.keys[j]) * static_cast<double>(gap);
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
