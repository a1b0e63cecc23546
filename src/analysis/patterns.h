// Rule-based head classes (METRICS.md "Head patterns", after Kovaleva et al. 2019 and Clark et
// al. 2019). Every class gets a score; the head's pattern is the highest-scoring class whose
// score reaches its threshold, ties going to the class listed first; `mixed` when none does.
//
//   PatternResult p = classify_head(figures);               // default thresholds
//   PatternThresholds strict; strict.broad = 0.9;
//   p = classify_head(figures, strict);
//   std::cout << pattern_name(p.pattern);                   // "previous"
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "analysis/figures.h"

namespace attnscope::analysis {

// In tie-break order (earlier wins); kMixed last.
enum class Pattern { kSelf, kPrevious, kNext, kFirst, kSpecial, kBroad, kMixed };

inline constexpr size_t kScoredPatternCount = 6;  // all but kMixed
inline constexpr std::array<Pattern, kScoredPatternCount> kScoredPatterns = {
    Pattern::kSelf,  Pattern::kPrevious, Pattern::kNext,
    Pattern::kFirst, Pattern::kSpecial,  Pattern::kBroad};

// Default thresholds (a score >= threshold clears it).
inline constexpr double kSelfThreshold = 0.5;
inline constexpr double kPreviousThreshold = 0.5;
inline constexpr double kNextThreshold = 0.5;
inline constexpr double kFirstThreshold = 0.5;
inline constexpr double kSpecialThreshold = 0.5;
inline constexpr double kBroadThreshold = 0.85;

struct PatternThresholds {
  std::array<double, kScoredPatternCount> values = {kSelfThreshold,    kPreviousThreshold,
                                                    kNextThreshold,    kFirstThreshold,
                                                    kSpecialThreshold, kBroadThreshold};
  double& operator[](Pattern p) { return values[static_cast<size_t>(p)]; }
  double operator[](Pattern p) const { return values[static_cast<size_t>(p)]; }
  // Sets one threshold from "name=value" (e.g. "broad=0.9"). Throws InputError.
  void set(std::string_view assignment);
};

struct PatternResult {
  Pattern pattern = Pattern::kMixed;
  // Indexed like kScoredPatterns; NaN when the figure is undefined (never clears a threshold).
  std::array<double, kScoredPatternCount> scores{};
};

// "self", "previous", "next", "first", "special", "broad", "mixed".
std::string_view pattern_name(Pattern pattern);
std::optional<Pattern> parse_pattern(std::string_view name);

// The score of each class: self, previous, next, first, special-except-position-0,
// normalized_entropy.
std::array<double, kScoredPatternCount> pattern_scores(const HeadFigures& figures);

PatternResult classify_head(const HeadFigures& figures,
                            const PatternThresholds& thresholds = PatternThresholds{});

}  // namespace attnscope::analysis
