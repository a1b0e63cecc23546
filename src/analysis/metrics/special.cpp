#include "analysis/metrics/special.h"

namespace attnscope::analysis {

void SpecialAccumulator::add_row(const QueryRow& row) {
  if (row.special.empty()) {
    known_ = false;
    return;
  }
  const float* p = row.keys.data();
  const uint8_t* special = row.special.data();
  const size_t n = row.keys.size();
  if (n == 0) return;
  const double first = special[0] != 0 ? static_cast<double>(p[0]) : 0.0;
  double rest = 0;
  // special[j] is exactly 0 or 1 (SequenceLayout normalises it): a product, not a branch.
#pragma omp simd reduction(+ : rest)
  for (size_t j = 1; j < n; ++j)
    rest += static_cast<double>(p[j]) * static_cast<double>(special[j]);
  special_sum_ += first + rest;
  not_first_sum_ += rest;
  ++rows_;
}

void SpecialAccumulator::finish(HeadFigures& figures) const {
  figures[Figure::kSpecial] = known_ ? mean_or_undefined(special_sum_, rows_) : kUndefined;
  figures[Figure::kSpecialNotFirst] =
      known_ ? mean_or_undefined(not_first_sum_, rows_) : kUndefined;
}

}  // namespace attnscope::analysis
