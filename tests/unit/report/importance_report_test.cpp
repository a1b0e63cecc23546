#include "report/importance_report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace attnscope::report {
namespace {

std::vector<analysis::TokenScore> three_scores() {
  return {{0, "<s>", 0.2}, {1, "a,\"b\"", 0.5}, {2, "", 0.2}};
}

TEST(RankImportance, HighestFirstTiesInTextOrderWithIds) {
  const std::vector<int64_t> ids = {1, 7, 9};
  const ImportanceReport r =
      rank_importance(three_scores(), ids, {.model = "demo", .method = "raw"});
  ASSERT_EQ(r.tokens.size(), 3u);
  EXPECT_EQ(r.tokens[0].position, 1);
  EXPECT_EQ(r.tokens[0].rank, 1);
  EXPECT_EQ(r.tokens[0].id, 7);
  EXPECT_EQ(r.tokens[1].position, 0);  // tie with position 2: text order
  EXPECT_EQ(r.tokens[2].position, 2);
  EXPECT_EQ(r.tokens[2].rank, 3);
  EXPECT_EQ(rank_importance(three_scores(), ids, {.model = "demo", .method = "raw", .top = 2})
                .tokens.size(),
            2u);
  // Without ids the id stays unknown.
  EXPECT_FALSE(rank_importance(three_scores(), {}, {.model = "demo", .method = "raw"})
                   .tokens[0]
                   .id.has_value());
}

TEST(ImportanceJson, StableKeysAndNullForUnknownTokens) {
  const std::vector<int64_t> ids = {1, 7, 9};
  const nlohmann::json j =
      importance_json(rank_importance(three_scores(), ids, {.model = "demo", .method = "raw"}));
  EXPECT_EQ(j["model"], "demo");
  EXPECT_EQ(j["method"], "raw");
  ASSERT_EQ(j["tokens"].size(), 3u);
  EXPECT_EQ(j["tokens"][0]["token"], "a,\"b\"");
  EXPECT_EQ(j["tokens"][0]["id"], 7);
  EXPECT_EQ(j["tokens"][0]["score"], 0.5);
  EXPECT_TRUE(j["tokens"][2]["token"].is_null());
}

TEST(RankImportance, ExcludeFirstDropsPositionZeroAndJsonSaysSo) {
  const std::vector<int64_t> ids = {1, 7, 9};
  const ImportanceReport r =
      rank_importance(three_scores(), ids,
                      {.model = "demo", .method = "rollout", .target = 2, .exclude_first = true});
  ASSERT_EQ(r.tokens.size(), 2u);
  for (const auto& t : r.tokens) EXPECT_NE(t.position, 0);
  const nlohmann::ordered_json j = importance_json(r);
  EXPECT_EQ(j["exclude_first"], true);
  EXPECT_EQ(j["target"], 2);
  EXPECT_FALSE(j.contains("visible_only"));  // raw only
  EXPECT_EQ(j["tokens"][0].begin().key(), "position");
}

TEST(ImportanceCsv, QuotedTokensAndEmptyUnknownIds) {
  std::ostringstream out;
  write_importance_csv(out,
                       rank_importance(three_scores(), {}, {.model = "demo", .method = "raw"}));
  EXPECT_EQ(out.str(),
            "rank,position,id,token,score\n"
            "1,1,,\"a,\"\"b\"\"\",0.5\n"
            "2,0,,\"<s>\",0.2\n"
            "3,2,,\"\",0.2\n");
}

TEST(ImportanceTable, UnknownTokensShownById) {
  const std::vector<int64_t> ids = {1, 7, 9};
  std::ostringstream out;
  write_importance_table(out, rank_importance(three_scores(), ids, {.model = "", .method = "raw"}));
  EXPECT_NE(out.str().find("model: (unknown)   method: raw"), std::string::npos);
  EXPECT_NE(out.str().find("id 9"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace attnscope::report
