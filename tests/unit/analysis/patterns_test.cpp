#include "analysis/patterns.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace attnscope::analysis {
namespace {

HeadFigures scores(double self, double previous, double next, double first, double special,
                   double broad) {
  HeadFigures f;
  f[Figure::kSelf] = self;
  f[Figure::kPrevious] = previous;
  f[Figure::kNext] = next;
  f[Figure::kFirst] = first;
  f[Figure::kSpecialNotFirst] = special;
  f[Figure::kNormalizedEntropy] = broad;
  return f;
}

TEST(Patterns, HighestClearedScoreWins) {
  EXPECT_EQ(classify_head(scores(0.6, 0.7, 0, 0, 0, 0.1)).pattern, Pattern::kPrevious);
  EXPECT_EQ(classify_head(scores(0.1, 0.1, 0.1, 0.9, 0.0, 0.2)).pattern, Pattern::kFirst);
  // broad's threshold is higher: 0.8 does not clear it, so nothing does.
  EXPECT_EQ(classify_head(scores(0.1, 0.1, 0.1, 0.1, 0.1, 0.8)).pattern, Pattern::kMixed);
  EXPECT_EQ(classify_head(scores(0.1, 0.1, 0.1, 0.1, 0.1, 0.85)).pattern, Pattern::kBroad);
  // A cleared score beats a higher score that does not clear its own threshold... and a higher
  // cleared score wins over a lower one regardless of list order.
  EXPECT_EQ(classify_head(scores(0.5, 0, 0, 0, 0, 0.84)).pattern, Pattern::kSelf);
  EXPECT_EQ(classify_head(scores(0.5, 0, 0, 0, 0, 0.9)).pattern, Pattern::kBroad);
}

TEST(Patterns, TiesGoToTheClassListedFirst) {
  EXPECT_EQ(classify_head(scores(0.5, 0.5, 0, 0, 0, 0)).pattern, Pattern::kSelf);
  EXPECT_EQ(classify_head(scores(0, 0.6, 0.6, 0.6, 0, 0)).pattern, Pattern::kPrevious);
  EXPECT_EQ(classify_head(scores(0, 0, 0, 0.9, 0.9, 0.9)).pattern, Pattern::kFirst);
}

TEST(Patterns, UndefinedScoresNeverClear) {
  const double nan = std::nan("");
  const PatternResult r = classify_head(scores(nan, nan, nan, nan, nan, nan));
  EXPECT_EQ(r.pattern, Pattern::kMixed);
  EXPECT_TRUE(std::isnan(r.scores[0]));
}

TEST(Patterns, ScoresAreReported) {
  const PatternResult r = classify_head(scores(0.1, 0.2, 0.3, 0.4, 0.45, 0.6));
  EXPECT_EQ(r.scores[0], 0.1);
  EXPECT_EQ(r.scores[4], 0.45);
  EXPECT_EQ(r.scores[5], 0.6);
}

TEST(Patterns, ThresholdsAreOverridable) {
  PatternThresholds t;
  EXPECT_EQ(t[Pattern::kBroad], kBroadThreshold);
  t.set("broad=0.7");
  EXPECT_EQ(t[Pattern::kBroad], 0.7);
  EXPECT_EQ(classify_head(scores(0, 0, 0, 0, 0, 0.75), t).pattern, Pattern::kBroad);
  t.set("previous=0.95");
  EXPECT_EQ(classify_head(scores(0, 0.9, 0, 0, 0, 0), t).pattern, Pattern::kMixed);
  EXPECT_THROW(t.set("broad"), InputError);
  EXPECT_THROW(t.set("mixed=0.1"), InputError);
  EXPECT_THROW(t.set("wide=0.1"), InputError);
  EXPECT_THROW(t.set("self=abc"), InputError);
  EXPECT_THROW(t.set("self=0.5x"), InputError);
}

TEST(Patterns, ProbeClassesJoinOnlyWhenAProbeRan) {
  const HeadFigures mixed = scores(0.1, 0.1, 0, 0.3, 0, 0.2);
  // Without a probe the probe classes never win and their scores stay undefined.
  const PatternResult plain = classify_head(mixed);
  EXPECT_EQ(plain.pattern, Pattern::kMixed);
  EXPECT_TRUE(std::isnan(plain.probe_scores[0]));
  EXPECT_TRUE(std::isnan(plain.probe_scores[1]));
  // An induction head: the probe class clears its threshold (>= 0.5) and wins.
  const PatternResult induction =
      classify_head(mixed, {}, ProbePatternScores{.induction = 0.95, .duplicate = 0.01});
  EXPECT_EQ(induction.pattern, Pattern::kInduction);
  EXPECT_EQ(induction.probe_scores[0], 0.95);
  EXPECT_EQ(induction.probe_scores[1], 0.01);
  EXPECT_EQ(
      classify_head(mixed, {}, ProbePatternScores{.induction = 0.2, .duplicate = 0.5}).pattern,
      Pattern::kDuplicate);
  EXPECT_EQ(
      classify_head(mixed, {}, ProbePatternScores{.induction = 0.49, .duplicate = 0.3}).pattern,
      Pattern::kMixed);
  // The same rule as the text classes: the highest cleared score wins, ties to the text class.
  const HeadFigures previous = scores(0, 0.8, 0, 0, 0, 0);
  EXPECT_EQ(
      classify_head(previous, {}, ProbePatternScores{.induction = 0.7, .duplicate = 0}).pattern,
      Pattern::kPrevious);
  EXPECT_EQ(
      classify_head(previous, {}, ProbePatternScores{.induction = 0.9, .duplicate = 0}).pattern,
      Pattern::kInduction);
  EXPECT_EQ(
      classify_head(previous, {}, ProbePatternScores{.induction = 0.8, .duplicate = 0}).pattern,
      Pattern::kPrevious);
  // Undefined probe scores never clear; thresholds are overridable by name.
  EXPECT_EQ(classify_head(mixed, {}, ProbePatternScores{}).pattern, Pattern::kMixed);
  PatternThresholds strict;
  EXPECT_EQ(strict[Pattern::kInduction], kInductionThreshold);
  strict.set("induction=0.99");
  EXPECT_EQ(classify_head(mixed, strict, ProbePatternScores{.induction = 0.95}).pattern,
            Pattern::kMixed);
  strict.set("duplicate=0.1");
  EXPECT_EQ(classify_head(mixed, strict, ProbePatternScores{.duplicate = 0.2}).pattern,
            Pattern::kDuplicate);
}

TEST(Patterns, Names) {
  for (Pattern p : kScoredPatterns) EXPECT_EQ(parse_pattern(pattern_name(p)), p);
  for (Pattern p : kProbePatterns) EXPECT_EQ(parse_pattern(pattern_name(p)), p);
  EXPECT_EQ(pattern_name(Pattern::kInduction), "induction");
  EXPECT_EQ(pattern_name(Pattern::kDuplicate), "duplicate");
  EXPECT_EQ(pattern_name(Pattern::kMixed), "mixed");
  EXPECT_FALSE(parse_pattern("sink").has_value());
}

}  // namespace
}  // namespace attnscope::analysis
