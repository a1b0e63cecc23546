// `distance` (Vig & Belinkov 2019, "mean attention distance"): mean over real rows of
// sum_j A[i][j] |i - j|, in tokens; `distance_normalized` divides it by n - 1 (0 for n = 1) so
// texts of different lengths compare.
#pragma once

#include "analysis/figures.h"
#include "analysis/metrics/row.h"

namespace attnscope::analysis {

class DistanceAccumulator {
 public:
  void add_row(const QueryRow& row);
  void finish(HeadFigures& figures) const;

 private:
  double distance_sum_ = 0;
  int64_t rows_ = 0;
  int64_t tokens_ = 0;
};

}  // namespace attnscope::analysis
