// Rule-based head classes (METRICS.md "Head patterns", after Kovaleva et al. 2019 and Clark et
// al. 2019). Every class gets a score; the head's pattern is the highest-scoring class whose
// score reaches its threshold, ties going to the class listed first; `mixed` when none does.
// Two more classes come from the circuit probes (probes.h, Olsson et al. 2022) when a probe was
// run: `induction` (induction_score) and `duplicate` (duplicate_token_score). They compete under
// the same rule, after the six classes scored from the analysed texts.
//
//   PatternResult p = classify_head(figures);               // default thresholds
//   PatternThresholds strict; strict.broad = 0.9;
//   p = classify_head(figures, strict);
//   std::cout << pattern_name(p.pattern);                   // "previous"
//   p = classify_head(figures, {}, ProbePatternScores{.induction = 0.95, .duplicate = 0.0});
//   std::cout << pattern_name(p.pattern);                   // "induction"
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "analysis/figures.h"

namespace attnscope::analysis {

// In tie-break order (earlier wins); kMixed last.
enum class Pattern {
  kSelf,
  kPrevious,
  kNext,
  kFirst,
  kSpecial,
  kBroad,
  kInduction,  // probe classes: only when a probe was run
  kDuplicate,
  kMixed
};
inline constexpr size_t kPatternCount = 9;  // every Pattern, kMixed included

// The classes scored from the figures of the analysed texts.
inline constexpr size_t kScoredPatternCount = 6;
inline constexpr std::array<Pattern, kScoredPatternCount> kScoredPatterns = {
    Pattern::kSelf,  Pattern::kPrevious, Pattern::kNext,
    Pattern::kFirst, Pattern::kSpecial,  Pattern::kBroad};
// The classes scored by a probe (induction_score, duplicate_token_score).
inline constexpr size_t kProbePatternCount = 2;
inline constexpr std::array<Pattern, kProbePatternCount> kProbePatterns = {Pattern::kInduction,
                                                                           Pattern::kDuplicate};
// Every class with a threshold: the scored ones, then the probe ones (= Pattern order).
inline constexpr size_t kThresholdCount = kScoredPatternCount + kProbePatternCount;

// Default thresholds (a score >= threshold clears it).
inline constexpr double kSelfThreshold = 0.5;
inline constexpr double kPreviousThreshold = 0.5;
inline constexpr double kNextThreshold = 0.5;
inline constexpr double kFirstThreshold = 0.5;
inline constexpr double kSpecialThreshold = 0.5;
inline constexpr double kBroadThreshold = 0.85;
// The probe classes: half of the query rows' attention on the induction (or duplicate) target,
// the same bar as the single-position classes above (docs/analysis.md says why).
inline constexpr double kInductionThreshold = 0.5;
inline constexpr double kDuplicateThreshold = 0.5;

struct PatternThresholds {
  // Indexed by Pattern (kSelf .. kDuplicate).
  std::array<double, kThresholdCount> values = {
      kSelfThreshold,    kPreviousThreshold, kNextThreshold,      kFirstThreshold,
      kSpecialThreshold, kBroadThreshold,    kInductionThreshold, kDuplicateThreshold};
  double& operator[](Pattern p) { return values.at(static_cast<size_t>(p)); }
  double operator[](Pattern p) const { return values.at(static_cast<size_t>(p)); }
  // Sets one threshold from "name=value" (e.g. "broad=0.9", "induction=0.6"). Throws
  // InputError.
  void set(std::string_view assignment);
};

// A head's probe scores that join the classes (probes.h: HeadProbe).
struct ProbePatternScores {
  double induction = kUndefined;  // induction_score
  double duplicate = kUndefined;  // duplicate_token_score
};

struct PatternResult {
  Pattern pattern = Pattern::kMixed;
  // Indexed like kScoredPatterns; NaN when the figure is undefined (never clears a threshold).
  std::array<double, kScoredPatternCount> scores{};
  // Indexed like kProbePatterns; NaN when no probe was run (never clears a threshold).
  std::array<double, kProbePatternCount> probe_scores = {kUndefined, kUndefined};
};

// "self", "previous", "next", "first", "special", "broad", "induction", "duplicate", "mixed".
std::string_view pattern_name(Pattern pattern);
std::optional<Pattern> parse_pattern(std::string_view name);

// The score of each class: self, previous, next, first, special-except-position-0,
// normalized_entropy.
std::array<double, kScoredPatternCount> pattern_scores(const HeadFigures& figures);

PatternResult classify_head(const HeadFigures& figures,
                            const PatternThresholds& thresholds = PatternThresholds{},
                            const std::optional<ProbePatternScores>& probe = std::nullopt);

// The same rule over scores already computed (text scores indexed like kScoredPatterns).
PatternResult classify_scores(const std::array<double, kScoredPatternCount>& scores,
                              const PatternThresholds& thresholds,
                              const std::optional<ProbePatternScores>& probe = std::nullopt);

}  // namespace attnscope::analysis
