#include <gtest/gtest.h>

#include "analysis/importance.h"
#include "analysis/layer_selection.h"
#include "attention_builders.h"
#include "core/error.h"

namespace attnscope::analysis {
namespace {

TEST(LayerSelection, ParsesListsAndRanges) {
  const std::vector<int> all = layer_range(8);
  EXPECT_EQ(select_layers("", all).size(), 8u);
  EXPECT_EQ(select_layers("all", all).size(), 8u);
  EXPECT_EQ(select_layers("0,3,5-7", all), (std::set<int>{0, 3, 5, 6, 7}));
  EXPECT_EQ(select_layers("2-2", all), (std::set<int>{2}));
  EXPECT_EQ(select_layers("7", {3, 7}), (std::set<int>{7}));
  EXPECT_THROW(select_layers("8", all), InputError);
  EXPECT_THROW(select_layers("5", {3, 7}), InputError);
  EXPECT_THROW(select_layers("3-1", all), InputError);
  EXPECT_THROW(select_layers("a", all), InputError);
  EXPECT_THROW(select_layers("1,", all), InputError);
  EXPECT_THROW(select_layers("-1", all), InputError);
}

TEST(RawImportance, MeanOverLayersHeadsAndRows) {
  RawImportance raw;
  const auto l0 = testing::make_layer({testing::column(3, 0), testing::identity(3)});
  const auto l1 = testing::make_layer({testing::uniform(3, true), testing::shifted_identity(3)});
  raw.on_attention(l0.view(0, true));
  raw.on_attention(l1.view(1, true));
  const std::vector<double> s = raw.scores();
  // Column means per head: column0 -> (1,0,0); identity -> (1/3,1/3,1/3);
  // uniform causal -> ((1+1/2+1/3)/3, (1/2+1/3)/3, (1/3)/3); shifted -> (2/3, 1/3, 0).
  const double u0 = (1 + 0.5 + 1.0 / 3) / 3, u1 = (0.5 + 1.0 / 3) / 3, u2 = (1.0 / 3) / 3;
  EXPECT_NEAR(s[0], (1 + 1.0 / 3 + u0 + 2.0 / 3) / 4, 1e-7);
  EXPECT_NEAR(s[1], (0 + 1.0 / 3 + u1 + 1.0 / 3) / 4, 1e-7);
  EXPECT_NEAR(s[2], (0 + 1.0 / 3 + u2 + 0) / 4, 1e-7);
  EXPECT_NEAR(s[0] + s[1] + s[2], 1.0, 1e-7);
}

TEST(RawImportance, PaddingGetsNothingAndRanksSkipIt) {
  RawImportance raw;
  const std::vector<int64_t> mask = {1, 1, 0};
  const auto padded = testing::pad(testing::column(2, 1), mask);
  const auto layer = testing::make_layer({padded}, mask);
  raw.on_attention(layer.view(0, false));
  const std::vector<double> s = raw.scores();
  EXPECT_EQ(s[2], 0.0);
  EXPECT_NEAR(s[1], 1.0, 1e-7);
  const auto ranked = rank_tokens(s, {"a", "b", "<pad>"}, mask);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].token, "b");
  EXPECT_EQ(ranked[0].position, 1);
  EXPECT_THROW(raw.scores(1), InputError);
  EXPECT_EQ(parse_importance_method("raw"), ImportanceMethod::kRaw);
  EXPECT_THROW(parse_importance_method("magic"), UnsupportedError);
}

}  // namespace
}  // namespace attnscope::analysis
