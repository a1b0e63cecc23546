// compare: token alignment by longest common subsequence, and on the demo model, a text
// compared with itself (or the model with itself) changes nothing while a different text moves
// the positional heads' maps only where the tokens differ.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/attention_analyzer.h"
#include "analysis/compare.h"
#include "core/error.h"
#include "demo/demo_model.h"
#include "support/temp_dir.h"

namespace attnscope::analysis {
namespace {

using Pairs = std::vector<std::pair<int64_t, int64_t>>;

TEST(Compare, AlignsTokensByLongestCommonSubsequence) {
  EXPECT_EQ(align_tokens({1, 2, 3}, {1, 2, 3}), (Pairs{{0, 0}, {1, 1}, {2, 2}}));
  EXPECT_EQ(align_tokens({1, 5, 2, 3}, {1, 2, 9, 3}), (Pairs{{0, 0}, {2, 1}, {3, 3}}));
  EXPECT_EQ(align_tokens({1, 2}, {3, 4}), Pairs{});
  EXPECT_EQ(align_tokens({}, {1}), Pairs{});
}

TEST(Compare, DemoModelSameTextChangesNothingOtherTextChangesSomething) {
  testing::TempDir dir;
  demo::write_demo_model(dir.path() / "demo");
  AttentionAnalyzer analyzer((dir.path() / "demo").string());
  AttentionSource& source = analyzer.source();
  const EncodedText a = source.encode("the cat sat on the mat", true);
  const EncodedText b = source.encode("the dog sat on the mat", true);
  const Comparison same = compare_texts(source, a, a);
  ASSERT_EQ(same.heads.size(), 8u);
  EXPECT_EQ(same.aligned.size(), a.ids.size());
  for (const HeadComparison& h : same.heads) {
    EXPECT_NEAR(h.js, 0.0, 1e-12) << h.layer << "." << h.head;
    EXPECT_EQ(h.pattern_a, h.pattern_b);
  }
  const Comparison other = compare_texts(source, a, b);
  EXPECT_EQ(other.aligned.size(), a.ids.size() - 1);  // all but cat / dog
  // The previous-token head (0.0) attends by position: unchanged on the aligned tokens, except
  // the row of "sat", whose previous token is no longer aligned (its row loses its weight).
  double largest = 0;
  for (const HeadComparison& h : other.heads) {
    EXPECT_GE(h.js, 0.0);
    EXPECT_LE(h.js, std::log(2.0) + 1e-12);
    largest = std::max(largest, h.js);
  }
  EXPECT_GT(largest, 0.0);
  EXPECT_EQ(most_changed(other.heads).front().js, largest);
  const Comparison models = compare_models(source, source, a, a);
  for (const HeadComparison& h : models.heads) EXPECT_NEAR(h.js, 0.0, 1e-12);
}

}  // namespace
}  // namespace attnscope::analysis
