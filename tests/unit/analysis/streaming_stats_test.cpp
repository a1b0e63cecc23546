#include "analysis/streaming_stats.h"

#include <gtest/gtest.h>

#include <cmath>

#include "attention_builders.h"

namespace attnscope::analysis {
namespace {

using testing::make_layer;

TEST(StreamingStats, MeanAndPopulationStdOverTexts) {
  StreamingStats stats;
  const auto text1 = make_layer({testing::identity(4), testing::uniform(4, false)});
  const auto text2 = make_layer({testing::uniform(4, false), testing::uniform(4, false)});
  stats.begin_text({1, 0, 0, 0}, {"a", "b", "c", "d"});
  stats.on_attention(text1.view(0, false));
  stats.begin_text({0, 0, 0, 0});
  stats.on_attention(text2.view(0, false));
  const AnalysisSummary s = stats.summary();
  ASSERT_EQ(s.texts, 2);
  ASSERT_EQ(s.heads.size(), 2u);
  ASSERT_EQ(s.layers.size(), 1u);
  // Head 0: self 1 then 0.25 -> mean 0.625, population std 0.375.
  EXPECT_NEAR(s.heads[0][Figure::kSelf].mean, 0.625, 1e-9);
  EXPECT_NEAR(s.heads[0][Figure::kSelf].std, 0.375, 1e-9);
  EXPECT_EQ(s.heads[0][Figure::kSelf].texts, 2);
  // Head 1 is uniform both times: std 0.
  EXPECT_NEAR(s.heads[1][Figure::kEntropy].mean, std::log(4.0), 1e-6);
  EXPECT_NEAR(s.heads[1][Figure::kEntropy].std, 0.0, 1e-9);
  // Layer: text 1 mean of heads self (1 + 0.25)/2, text 2 0.25 -> mean 0.4375, std 0.1875.
  EXPECT_NEAR(s.layers[0][Figure::kSelf].mean, 0.4375, 1e-9);
  EXPECT_NEAR(s.layers[0][Figure::kSelf].std, 0.1875, 1e-9);
  // Special: text 1 head 0 sends 0.25 to the special token (row 0 self), text 2 has none.
  EXPECT_NEAR(s.heads[0][Figure::kSpecial].mean, 0.125, 1e-9);
  EXPECT_EQ(s.heads[0].pattern.pattern, Pattern::kSelf);
  EXPECT_EQ(s.heads[1].pattern.pattern, Pattern::kBroad);
  EXPECT_EQ(s.layers[0].pattern_counts[static_cast<size_t>(Pattern::kSelf)], 1);
  EXPECT_EQ(s.layers[0].pattern_counts[static_cast<size_t>(Pattern::kBroad)], 1);
  ASSERT_EQ(s.tokens.size(), 1u);
  EXPECT_EQ(s.tokens[0].size(), 4u);
}

TEST(StreamingStats, UndefinedFiguresAreSkippedPerText) {
  StreamingStats stats;
  const auto one_token = make_layer({{{1.0f}}});
  const auto two_tokens = make_layer({testing::uniform(2, true)});
  stats.begin_text({});
  stats.on_attention(one_token.view(0, true));
  stats.begin_text({});
  stats.on_attention(two_tokens.view(0, true));
  const AnalysisSummary s = stats.summary();
  EXPECT_EQ(s.heads[0][Figure::kEntropy].texts, 1);
  EXPECT_NEAR(s.heads[0][Figure::kEntropy].mean, std::log(2.0), 1e-6);
  EXPECT_EQ(s.heads[0][Figure::kConfidence].texts, 2);
  EXPECT_EQ(s.heads[0][Figure::kSpecial].texts, 0);
  EXPECT_TRUE(std::isnan(s.heads[0][Figure::kSpecial].mean));
}

TEST(StreamingStats, LayerSelectionAndBatches) {
  StreamingStats stats({.layers = {1}});
  const auto a = make_layer({testing::identity(3)});
  const auto b = make_layer({testing::uniform(3, false)});
  stats.begin_batch({{}, {}});
  stats.on_attention(a.view(0, false, 0));
  stats.on_attention(a.view(1, false, 0));
  stats.on_attention(b.view(0, false, 1));
  stats.on_attention(b.view(1, false, 1));
  const AnalysisSummary s = stats.summary();
  EXPECT_EQ(s.texts, 2);
  ASSERT_EQ(s.layers.size(), 1u);
  EXPECT_EQ(s.layers[0].layer, 1);
  EXPECT_NEAR(s.heads[0][Figure::kSelf].mean, (1 + 1.0 / 3) / 2, 1e-6);
}

TEST(StreamingStats, CountsTextsWithoutDeclaredBatches) {
  StreamingStats stats;
  const auto a = make_layer({testing::identity(3)});
  stats.on_attention(a.view(0, false, 0));
  stats.on_attention(a.view(1, false, 0));
  EXPECT_EQ(stats.texts(), 1);
}

}  // namespace
}  // namespace attnscope::analysis
