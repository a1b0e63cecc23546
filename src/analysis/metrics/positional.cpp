#include "analysis/metrics/positional.h"

namespace attnscope::analysis {

void PositionalAccumulator::add_row(const QueryRow& row) {
  const int64_t i = row.query;
  const int64_t visible = static_cast<int64_t>(row.keys.size());
  // A key outside K_i has weight 0 by definition (it cannot be attended to).
  auto weight = [&](int64_t j) { return j < visible ? static_cast<double>(row.keys[j]) : 0.0; };
  if (visible >= 2) {
    self_sum_ += weight(i);
    ++self_rows_;
  }
  if (i >= 1) {
    previous_sum_ += weight(i - 1);
    first_sum_ += weight(0);
    ++after_first_rows_;
  }
  if (i <= row.tokens - 2) {
    next_sum_ += weight(i + 1);
    ++before_last_rows_;
  }
}

void PositionalAccumulator::finish(HeadFigures& figures) const {
  figures[Figure::kSelf] = mean_or_undefined(self_sum_, self_rows_);
  figures[Figure::kPrevious] = mean_or_undefined(previous_sum_, after_first_rows_);
  figures[Figure::kFirst] = mean_or_undefined(first_sum_, after_first_rows_);
  figures[Figure::kNext] = mean_or_undefined(next_sum_, before_last_rows_);
}

}  // namespace attnscope::analysis
