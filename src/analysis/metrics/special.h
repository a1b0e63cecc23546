// `special` (METRICS.md): mean over all real rows of the weight on special tokens ([CLS], [SEP],
// BOS, ...), after Clark et al. 2019's finding that many BERT heads park on [SEP]/[CLS]. Also the
// score of the `special` pattern: the same sum without key position 0, so that it does not
// duplicate the `first` (sink) pattern. Both are NaN when the special-token mask is unknown.
#pragma once

#include "analysis/figures.h"
#include "analysis/metrics/row.h"

namespace attnscope::analysis {

class SpecialAccumulator {
 public:
  void add_row(const QueryRow& row);
  void finish(HeadFigures& figures) const;

 private:
  double special_sum_ = 0;
  double not_first_sum_ = 0;
  int64_t rows_ = 0;
  bool known_ = true;
};

}  // namespace attnscope::analysis
