// What every metric family sees of one query row: the visible keys of a real query, renumbered
// over real tokens (see sequence_layout.h). Each family accumulates rows of one head and writes
// its figures (HeadFigures) at the end; one family per file (entropy.h, magnitude.h, ...).
//
//   EntropyAccumulator entropy;
//   for (...) entropy.add_row(QueryRow{keys, r, n, special});
//   entropy.finish(figures);
#pragma once

#include <cstdint>
#include <limits>
#include <span>

namespace attnscope::analysis {

struct QueryRow {
  std::span<const float> keys;       // [key_pos] A[r][0..|K_r|-1], the visible keys only
  int64_t query = 0;                 // r, the renumbered query position
  int64_t tokens = 0;                // n, the number of real tokens
  std::span<const uint8_t> special;  // [key_pos] 0/1 over all n real tokens; empty = unknown
};

// Mean of `sum` over `count` rows; NaN when no row counted.
inline double mean_or_undefined(double sum, int64_t count) {
  return count > 0 ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace attnscope::analysis
