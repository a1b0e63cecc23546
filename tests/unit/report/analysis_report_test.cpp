#include "report/analysis_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "analysis/streaming_stats.h"
#include "attention_builders.h"

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

}  // namespace
}  // namespace attnscope::report
