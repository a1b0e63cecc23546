#include "analysis/metrics/special.h"

namespace attnscope::analysis {

void SpecialAccumulator::add_row(const QueryRow& row) {
  if (row.special.empty()) {
    known_ = false;
    return;
  }
  double first = 0;
  double rest = 0;
  for (size_t j = 0; j < row.keys.size(); ++j) {
    if (row.special[j] == 0) continue;
    if (j == 0) {
      first = row.keys[0];
    } else {
      rest += row.keys[j];
    }
  }
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
