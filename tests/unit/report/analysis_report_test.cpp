#include "report/analysis_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "analysis/streaming_stats.h"
#include "attention_builders.h"
#include "core/error.h"

namespace attnscope::report {
namespace {

using analysis::AnalysisSummary;
using analysis::Figure;
using analysis::figure_name;
using analysis::kReportedFigures;
using analysis::StreamingStats;
using analysis::testing::make_layer;
namespace testing = analysis::testing;

TEST(AnalysisJson, HasStableKeys) {
  StreamingStats stats;
  const auto a = make_layer({testing::identity(3)});
  stats.begin_text({1, 0, 1}, {"[CLS]", "x", "[SEP]"});
  stats.on_attention(a.view(0, false));
  AnalysisSummary s = stats.summary();
  s.model = "m";
  const nlohmann::json j = analysis_json(s);
  EXPECT_EQ(j["model"], "m");
  EXPECT_EQ(j["tokens"], nlohmann::json({"[CLS]", "x", "[SEP]"}));
  EXPECT_FALSE(j.contains("texts"));
  const auto& h = j["heads"][0];
  for (Figure f : kReportedFigures) EXPECT_TRUE(h.contains(std::string(figure_name(f))));
  EXPECT_FALSE(h.contains("entropy_std"));
  EXPECT_EQ(h["pattern"], "self");
  EXPECT_EQ(h["pattern_scores"]["self"], 1.0);
  EXPECT_EQ(j["layers"][0]["layer"], 0);
  EXPECT_EQ(j["layers"][0]["pattern_counts"]["self"], 1);

  stats.begin_text({1, 0, 1});
  stats.on_attention(a.view(0, false));
  const nlohmann::json j2 = analysis_json(stats.summary());
  EXPECT_EQ(j2["texts"], 2);
  EXPECT_TRUE(j2["heads"][0].contains("entropy_std"));
  EXPECT_TRUE(j2["layers"][0].contains("self_std"));
}

// Two heads, both mixed on the text; a probe makes head 1 an induction head. Without a probe the
// output has no probe keys at all.
TEST(AnalysisReport, ProbeClassesAppearInEveryFormatOnlyAfterAProbe) {
  analysis::PatternThresholds thresholds;
  thresholds.set("broad=1.1");  // uniform rows would be broad; keep both heads mixed
  StreamingStats stats({.thresholds = thresholds});
  const auto a = make_layer({testing::uniform(4, true), testing::uniform(4, true)});
  stats.begin_text({0, 0, 0, 0}, {"a", "b", "c", "d"});
  stats.on_attention(a.view(0, true));
  AnalysisSummary s = stats.summary();
  ASSERT_EQ(s.heads[1].pattern.pattern, analysis::Pattern::kMixed);

  const nlohmann::json plain = analysis_json(s);
  EXPECT_FALSE(plain.contains("probe"));
  EXPECT_FALSE(plain["pattern_thresholds"].contains("induction"));
  EXPECT_FALSE(plain["heads"][1]["pattern_scores"].contains("induction"));
  EXPECT_FALSE(plain["layers"][0]["pattern_counts"].contains("induction"));
  std::ostringstream plain_csv;
  write_analysis_csv(plain_csv, s);
  EXPECT_EQ(plain_csv.str().find("score_induction"), std::string::npos);

  analysis::ProbeResult probe;
  probe.options = {.n = 20, .batches = 4, .seed = 7};
  probe.heads = {{.layer = 0, .head = 0, .duplicate_token_score = 0.1, .induction_score = 0.2},
                 {.layer = 0, .head = 1, .duplicate_token_score = 0.0, .induction_score = 0.9}};
  analysis::apply_probe_patterns(s, probe);
  EXPECT_EQ(s.heads[0].pattern.pattern, analysis::Pattern::kMixed);
  EXPECT_EQ(s.heads[1].pattern.pattern, analysis::Pattern::kInduction);

  const nlohmann::json j = analysis_json(s);
  EXPECT_EQ(j["probe"], nlohmann::json({{"n", 20}, {"batches", 4}, {"seed", 7}}));
  EXPECT_EQ(j["pattern_thresholds"]["induction"], 0.5);
  EXPECT_EQ(j["pattern_thresholds"]["duplicate"], 0.5);
  EXPECT_EQ(j["heads"][1]["pattern"], "induction");
  EXPECT_EQ(j["heads"][1]["pattern_scores"]["induction"], 0.9);
  EXPECT_EQ(j["heads"][0]["pattern_scores"]["duplicate"], 0.1);
  EXPECT_EQ(j["layers"][0]["pattern_counts"]["induction"], 1);
  EXPECT_EQ(j["layers"][0]["pattern_counts"]["duplicate"], 0);
  EXPECT_EQ(j["layers"][0]["pattern_counts"]["mixed"], 1);

  std::ostringstream csv;
  write_analysis_csv(csv, s);
  const std::string text = csv.str();
  const std::string header = text.substr(0, text.find('\n'));
  EXPECT_NE(header.find(",score_broad,score_induction,score_duplicate"), std::string::npos)
      << header;
  EXPECT_NE(text.find("0,1,induction,"), std::string::npos) << text;

  std::ostringstream table;
  write_analysis_table(table, s);
  EXPECT_NE(table.str().find("probe: BOS + 20 random tokens x 2, 4 batches, seed 7"),
            std::string::npos)
      << table.str();
  EXPECT_NE(table.str().find("    0     1  induction"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("induction:1,mixed:1"), std::string::npos) << table.str();
}

TEST(AnalysisTable, OneRowPerHeadAndLayerWithPatternNames) {
  StreamingStats stats;
  const auto a = make_layer({testing::identity(3), testing::shifted_identity(3)});
  stats.begin_text({0, 0, 0}, {"a", "b", "c"});
  stats.on_attention(a.view(0, true));
  AnalysisSummary s = stats.summary();
  s.model = "m";
  std::ostringstream out;
  write_analysis_table(out, s);
  const std::string table = out.str();
  EXPECT_NE(table.find("model: m   causal: yes   texts: 1   tokens: 3"), std::string::npos);
  // Head 0 is self (1.0000), head 1 previous; the figures have four decimals.
  EXPECT_NE(table.find("    0     0  self"), std::string::npos) << table;
  EXPECT_NE(table.find("    0     1  previous"), std::string::npos) << table;
  EXPECT_NE(table.find("1.0000"), std::string::npos);
  EXPECT_NE(table.find("layer summary"), std::string::npos);
  EXPECT_NE(table.find("self:1,previous:1"), std::string::npos) << table;
}

TEST(AnalysisCsv, StdColumnsOnlyOverSeveralTexts) {
  StreamingStats stats;
  const auto a = make_layer({testing::identity(3)});
  stats.begin_text({0, 0, 0});
  stats.on_attention(a.view(0, false));
  std::ostringstream one;
  write_analysis_csv(one, stats.summary());
  EXPECT_EQ(one.str().find("_std"), std::string::npos);
  EXPECT_EQ(one.str().rfind("layer,head,pattern,entropy,", 0), 0u) << one.str();
  stats.begin_text({0, 0, 0});
  stats.on_attention(a.view(0, false));
  std::ostringstream two;
  write_analysis_csv(two, stats.summary());
  EXPECT_NE(two.str().find("entropy_std"), std::string::npos);
  // One header line plus one line per head.
  const std::string text = two.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

// Heads: 0 self (previous 0), 1 previous (previous 1), 2 uniform-ish causal rows.
AnalysisSummary three_heads(bool causal) {
  StreamingStats stats;
  const auto a =
      make_layer({testing::identity(4), testing::shifted_identity(4), testing::identity(4)});
  stats.begin_text({0, 0, 0, 0}, {"a", "b", "c", "d"});
  stats.on_attention(a.view(0, causal));
  return stats.summary();
}

TEST(AnalysisTable, SortAndTopChooseTheHeadRows) {
  const AnalysisSummary s = three_heads(false);
  std::ostringstream out;
  write_analysis_table(out, s, {.sort = "previous", .top = 1});
  const std::string table = out.str();
  EXPECT_NE(table.find("heads sorted by previous (highest first), first 1 of 3"), std::string::npos)
      << table;
  EXPECT_NE(table.find("    0     1  previous"), std::string::npos) << table;
  EXPECT_EQ(table.find("    0     0  self"), std::string::npos) << table;
  std::ostringstream csv;
  write_analysis_csv(csv, s, {.sort = "self", .top = 2});
  const std::string text = csv.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);  // header + 2 heads
  // Ties (heads 0 and 2 both self = 1) keep layer/head order.
  EXPECT_NE(text.find("\n0,0,self"), std::string::npos) << text;
  EXPECT_NE(text.find("\n0,2,self"), std::string::npos) << text;
  EXPECT_LT(text.find("\n0,0,"), text.find("\n0,2,"));
  EXPECT_THROW(check_head_sort("nope"), InputError);
}

TEST(AnalysisTable, CausalTablesLeaveOutTheConstantFigures) {
  for (bool causal : {false, true}) {
    std::ostringstream out;
    write_analysis_table(out, three_heads(causal));
    const std::string table = out.str();
    const std::string header = table.substr(table.find("layer  head"));
    const std::string first_line = header.substr(0, header.find('\n'));
    for (const char* column : {" max ", " mean ", " next "}) {
      EXPECT_EQ(first_line.find(column) == std::string::npos, causal) << column << first_line;
    }
    EXPECT_EQ(table.find("left out") != std::string::npos, causal) << table;
  }
}

}  // namespace
}  // namespace attnscope::report
