// `confidence` (Voita et al. 2019: mean over rows of the row's largest weight) and `max`, `min`,
// `mean` of the weights over every visible entry (METRICS.md). All real rows count.
#pragma once

#include "analysis/figures.h"
#include "analysis/metrics/row.h"

namespace attnscope::analysis {

class MagnitudeAccumulator {
 public:
  void add_row(const QueryRow& row);
  void finish(HeadFigures& figures) const;

 private:
  double confidence_sum_ = 0;
  int64_t rows_ = 0;
  double weight_sum_ = 0;
  int64_t entries_ = 0;
  float max_ = 0;
  float min_ = 0;
};

}  // namespace attnscope::analysis
