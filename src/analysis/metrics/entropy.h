// `entropy` and `normalized_entropy` (METRICS.md): how spread a head's attention is.
// entropy_i = -sum_{j in K_i} A[i][j] ln A[i][j] (0 ln 0 = 0); normalized by ln |K_i| into
// [0, 1]. Rows with |K_i| >= 2 count. Broad heads (Clark et al. 2019) have high entropy; the
// `broad` pattern uses normalized_entropy.
#pragma once

#include "analysis/figures.h"
#include "analysis/metrics/row.h"

namespace attnscope::analysis {

// -sum p ln p over `keys` (0 ln 0 = 0), in double.
double row_entropy(std::span<const float> keys);

class EntropyAccumulator {
 public:
  void add_row(const QueryRow& row);
  void finish(HeadFigures& figures) const;

 private:
  double entropy_sum_ = 0;
  double normalized_sum_ = 0;
  int64_t rows_ = 0;
};

}  // namespace attnscope::analysis
