// The per-head figures of `attnscope analyze` (defined in docs/analysis.md and METRICS.md), as
// one fixed, ordered list so that accumulation, JSON, CSV and tables iterate them generically.
//
//   HeadFigures f = ...;
//   double h = f[Figure::kEntropy];
//   for (Figure figure : kReportedFigures) std::cout << figure_name(figure) << " " << f[figure];
//
// A figure is NaN when no row of the text counts for it (e.g. `entropy` of a 1-token text);
// output writes those as null.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string_view>

namespace attnscope::analysis {

enum class Figure {
  kEntropy,
  kNormalizedEntropy,
  kConfidence,
  kMax,
  kMin,
  kMean,
  kSelf,
  kPrevious,
  kNext,
  kFirst,
  kSpecial,
  kDistance,
  kDistanceNormalized,
  // Not printed as a figure: the score of the `special` pattern (special keys other than
  // position 0), tracked like the others so that corpus means can classify heads.
  kSpecialNotFirst,
};

inline constexpr size_t kFigureCount = static_cast<size_t>(Figure::kSpecialNotFirst) + 1;

// The figures printed by `analyze`, in output order.
inline constexpr std::array<Figure, 13> kReportedFigures = {Figure::kEntropy,
                                                            Figure::kNormalizedEntropy,
                                                            Figure::kConfidence,
                                                            Figure::kMax,
                                                            Figure::kMin,
                                                            Figure::kMean,
                                                            Figure::kSelf,
                                                            Figure::kPrevious,
                                                            Figure::kNext,
                                                            Figure::kFirst,
                                                            Figure::kSpecial,
                                                            Figure::kDistance,
                                                            Figure::kDistanceNormalized};

// "entropy", "normalized_entropy", ... (the JSON key).
std::string_view figure_name(Figure figure);

inline constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

// One head's figures for one text (or their means over texts).
struct HeadFigures {
  std::array<double, kFigureCount> values;

  HeadFigures() { values.fill(kUndefined); }
  double& operator[](Figure figure) { return values[static_cast<size_t>(figure)]; }
  double operator[](Figure figure) const { return values[static_cast<size_t>(figure)]; }
};

}  // namespace attnscope::analysis
