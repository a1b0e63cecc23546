#include "analysis/patterns.h"

#include <charconv>
#include <cmath>
#include <string>

#include "core/error.h"

namespace attnscope::analysis {

std::string_view pattern_name(Pattern pattern) {
  switch (pattern) {
    case Pattern::kSelf:
      return "self";
    case Pattern::kPrevious:
      return "previous";
    case Pattern::kNext:
      return "next";
    case Pattern::kFirst:
      return "first";
    case Pattern::kSpecial:
      return "special";
    case Pattern::kBroad:
      return "broad";
    case Pattern::kInduction:
      return "induction";
    case Pattern::kDuplicate:
      return "duplicate";
    case Pattern::kMixed:
      return "mixed";
  }
  return "unknown";
}

std::optional<Pattern> parse_pattern(std::string_view name) {
  for (Pattern p : kScoredPatterns) {
    if (pattern_name(p) == name) return p;
  }
  for (Pattern p : kProbePatterns) {
    if (pattern_name(p) == name) return p;
  }
  if (name == "mixed") return Pattern::kMixed;
  return std::nullopt;
}

void PatternThresholds::set(std::string_view assignment) {
  const size_t eq = assignment.find('=');
  const std::string text(assignment);
  if (eq == std::string_view::npos) {
    throw InputError("pattern threshold '" + text + "': expected NAME=VALUE, e.g. broad=0.9");
  }
  const std::string_view name = assignment.substr(0, eq);
  const std::string_view value_text = assignment.substr(eq + 1);
  const auto pattern = parse_pattern(name);
  if (!pattern || *pattern == Pattern::kMixed) {
    throw InputError("pattern threshold '" + text +
                     "': unknown class; expected one of self, previous, next, first, special, "
                     "broad, induction, duplicate");
  }
  double value = 0;
  const auto [end, ec] =
      std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
  if (ec != std::errc{} || end != value_text.data() + value_text.size() || !std::isfinite(value)) {
    throw InputError("pattern threshold '" + text + "': value is not a number");
  }
  values.at(static_cast<size_t>(*pattern)) = value;
}

std::array<double, kScoredPatternCount> pattern_scores(const HeadFigures& figures) {
  return {figures[Figure::kSelf],
          figures[Figure::kPrevious],
          figures[Figure::kNext],
          figures[Figure::kFirst],
          figures[Figure::kSpecialNotFirst],
          figures[Figure::kNormalizedEntropy]};
}

PatternResult classify_scores(const std::array<double, kScoredPatternCount>& scores,
                              const PatternThresholds& thresholds,
                              const std::optional<ProbePatternScores>& probe) {
  PatternResult result;
  result.scores = scores;
  if (probe) result.probe_scores = {probe->induction, probe->duplicate};
  double best = 0;
  // Text classes first, then the probe classes: an equal score keeps the class listed first.
  const auto consider = [&](Pattern pattern, double score) {
    if (std::isnan(score) || score < thresholds[pattern]) return;
    if (result.pattern == Pattern::kMixed || score > best) {
      result.pattern = pattern;
      best = score;
    }
  };
  for (size_t k = 0; k < kScoredPatternCount; ++k) consider(kScoredPatterns[k], scores[k]);
  for (size_t k = 0; k < kProbePatternCount; ++k) {
    consider(kProbePatterns[k], result.probe_scores[k]);
  }
  return result;
}

PatternResult classify_head(const HeadFigures& figures, const PatternThresholds& thresholds,
                            const std::optional<ProbePatternScores>& probe) {
  return classify_scores(pattern_scores(figures), thresholds, probe);
}

}  // namespace attnscope::analysis
