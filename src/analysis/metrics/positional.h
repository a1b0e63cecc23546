// Positional figures (METRICS.md; Clark et al. 2019, Kovaleva et al. 2019, Xiao et al. 2023):
//   self     = mean A[i][i]    over rows with |K_i| >= 2
//   previous = mean A[i][i-1]  over rows i >= 1
//   next     = mean A[i][i+1]  over rows i <= n-2 (0 for causal models: the key is not visible)
//   first    = mean A[i][0]    over rows i >= 1 (the attention sink)
// Positions are renumbered over real tokens (sequence_layout.h).
#pragma once

#include "analysis/figures.h"
#include "analysis/metrics/row.h"

namespace attnscope::analysis {

class PositionalAccumulator {
 public:
  void add_row(const QueryRow& row);
  void finish(HeadFigures& figures) const;

 private:
  double self_sum_ = 0;
  int64_t self_rows_ = 0;
  double previous_sum_ = 0;
  double first_sum_ = 0;
  int64_t after_first_rows_ = 0;  // rows i >= 1, shared by `previous` and `first`
  double next_sum_ = 0;
  int64_t before_last_rows_ = 0;
};

}  // namespace attnscope::analysis
