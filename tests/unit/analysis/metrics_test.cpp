// Known answers for every figure of METRICS.md on small hand-made matrices.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/head_figures.h"
#include "analysis/patterns.h"
#include "attention_builders.h"
#include "core/error.h"

namespace attnscope::analysis {
namespace {

using testing::make_layer;
using testing::Matrix;

constexpr double kTol = 1e-6;

HeadFigures figures_of(const Matrix& m, bool causal, std::vector<uint8_t> special = {},
                       std::vector<int64_t> mask = {}) {
  const auto layer = make_layer({m}, std::move(mask));
  return compute_layer_figures(layer.view(0, causal), special).at(0);
}

TEST(Metrics, HandComputedCausal3x3) {
  // Row 0 sees only itself (|K_0| = 1): it counts for confidence, max/min/mean, distance but
  // not for entropy or self, and rows i >= 1 count for previous and first.
  const Matrix m = {{1, 0, 0}, {0.3f, 0.7f, 0}, {0.2f, 0.5f, 0.3f}};
  const HeadFigures f = figures_of(m, /*causal=*/true, {1, 0, 0});
  const double h1 = -(0.3 * std::log(0.3) + 0.7 * std::log(0.7));
  const double h2 = -(0.2 * std::log(0.2) + 0.5 * std::log(0.5) + 0.3 * std::log(0.3));
  EXPECT_NEAR(f[Figure::kEntropy], (h1 + h2) / 2, kTol);
  EXPECT_NEAR(f[Figure::kEntropy], 0.8202586580597335, kTol);
  EXPECT_NEAR(f[Figure::kNormalizedEntropy], (h1 / std::log(2.0) + h2 / std::log(3.0)) / 2, kTol);
  EXPECT_NEAR(f[Figure::kNormalizedEntropy], 0.9092607312234111, kTol);
  EXPECT_NEAR(f[Figure::kConfidence], (1 + 0.7 + 0.5) / 3, kTol);
  EXPECT_NEAR(f[Figure::kMax], 1.0, kTol);
  EXPECT_NEAR(f[Figure::kMin], 0.2, kTol);  // only visible entries: the zeros above are masked
  EXPECT_NEAR(f[Figure::kMean], 3.0 / 6.0, kTol);  // 3 rows over 6 visible entries
  EXPECT_NEAR(f[Figure::kSelf], (0.7 + 0.3) / 2, kTol);
  EXPECT_NEAR(f[Figure::kPrevious], (0.3 + 0.5) / 2, kTol);
  EXPECT_EQ(f[Figure::kNext], 0.0);  // causal: the next key is never visible
  EXPECT_NEAR(f[Figure::kFirst], (0.3 + 0.2) / 2, kTol);
  EXPECT_NEAR(f[Figure::kSpecial], (1 + 0.3 + 0.2) / 3, kTol);
  EXPECT_NEAR(f[Figure::kSpecialNotFirst], 0.0, kTol);
  EXPECT_NEAR(f[Figure::kDistance], (0 + 0.3 + (0.2 * 2 + 0.5)) / 3, kTol);
  EXPECT_NEAR(f[Figure::kDistanceNormalized], 0.4 / 2, kTol);
}

TEST(Metrics, HandComputedBidirectional4x4) {
  const Matrix m = {{0.1f, 0.2f, 0.3f, 0.4f},
                    {0.25f, 0.25f, 0.25f, 0.25f},
                    {0.7f, 0.1f, 0.1f, 0.1f},
                    {0, 0, 0.5f, 0.5f}};
  const HeadFigures f = figures_of(m, /*causal=*/false, {1, 0, 0, 1});
  EXPECT_NEAR(f[Figure::kEntropy], 1.0749359390422075, kTol);
  EXPECT_NEAR(f[Figure::kNormalizedEntropy], 0.7754023742647569, kTol);
  EXPECT_NEAR(f[Figure::kConfidence], 0.4625, kTol);
  EXPECT_NEAR(f[Figure::kMax], 0.7, kTol);
  EXPECT_EQ(f[Figure::kMin], 0.0);
  EXPECT_NEAR(f[Figure::kMean], 0.25, kTol);
  EXPECT_NEAR(f[Figure::kSelf], 0.2375, kTol);
  EXPECT_NEAR(f[Figure::kPrevious], 0.2833333333333333, kTol);
  EXPECT_NEAR(f[Figure::kNext], 0.18333333333333335, kTol);
  EXPECT_NEAR(f[Figure::kFirst], 0.31666666666666665, kTol);
  EXPECT_NEAR(f[Figure::kSpecial], 0.575, kTol);
  EXPECT_NEAR(f[Figure::kSpecialNotFirst], 0.3125, kTol);
  EXPECT_NEAR(f[Figure::kDistance], 1.275, kTol);
  EXPECT_NEAR(f[Figure::kDistanceNormalized], 0.425, kTol);
}

TEST(Metrics, Identity) {
  const HeadFigures f = figures_of(testing::identity(5), /*causal=*/false);
  EXPECT_EQ(f[Figure::kEntropy], 0.0);
  EXPECT_EQ(f[Figure::kNormalizedEntropy], 0.0);
  EXPECT_EQ(f[Figure::kConfidence], 1.0);
  EXPECT_EQ(f[Figure::kSelf], 1.0);
  EXPECT_EQ(f[Figure::kPrevious], 0.0);
  EXPECT_EQ(f[Figure::kNext], 0.0);
  EXPECT_EQ(f[Figure::kFirst], 0.0);
  EXPECT_EQ(f[Figure::kDistance], 0.0);
  EXPECT_NEAR(f[Figure::kMean], 0.2, kTol);
  EXPECT_EQ(classify_head(f).pattern, Pattern::kSelf);
}

TEST(Metrics, ShiftedIdentityIsAPreviousTokenHead) {
  const HeadFigures f = figures_of(testing::shifted_identity(4), /*causal=*/true);
  EXPECT_EQ(f[Figure::kPrevious], 1.0);
  EXPECT_EQ(f[Figure::kSelf], 0.0);  // row 0 (the only self weight) has |K_0| = 1
  EXPECT_NEAR(f[Figure::kFirst], 1.0 / 3, kTol);
  EXPECT_NEAR(f[Figure::kDistance], 0.75, kTol);
  EXPECT_NEAR(f[Figure::kDistanceNormalized], 0.25, kTol);
  EXPECT_NEAR(f[Figure::kMean], 4.0 / 10, kTol);  // 4 rows, 1 + 2 + 3 + 4 visible entries
  EXPECT_EQ(f[Figure::kEntropy], 0.0);
  EXPECT_EQ(classify_head(f).pattern, Pattern::kPrevious);
}

TEST(Metrics, UniformBidirectional) {
  const HeadFigures f = figures_of(testing::uniform(4, false), /*causal=*/false);
  EXPECT_NEAR(f[Figure::kEntropy], std::log(4.0), kTol);
  EXPECT_NEAR(f[Figure::kNormalizedEntropy], 1.0, kTol);
  EXPECT_NEAR(f[Figure::kConfidence], 0.25, kTol);
  EXPECT_NEAR(f[Figure::kSelf], 0.25, kTol);
  EXPECT_NEAR(f[Figure::kNext], 0.25, kTol);
  EXPECT_NEAR(f[Figure::kDistance], (1.5 + 1 + 1 + 1.5) / 4, kTol);
  EXPECT_EQ(classify_head(f).pattern, Pattern::kBroad);
}

TEST(Metrics, UniformCausal) {
  const HeadFigures f = figures_of(testing::uniform(4, true), /*causal=*/true);
  EXPECT_NEAR(f[Figure::kEntropy], (std::log(2.0) + std::log(3.0) + std::log(4.0)) / 3, kTol);
  EXPECT_NEAR(f[Figure::kNormalizedEntropy], 1.0, kTol);
  EXPECT_NEAR(f[Figure::kConfidence], (1 + 0.5 + 1.0 / 3 + 0.25) / 4, kTol);
  EXPECT_NEAR(f[Figure::kSelf], (0.5 + 1.0 / 3 + 0.25) / 3, kTol);
  EXPECT_NEAR(f[Figure::kFirst], (0.5 + 1.0 / 3 + 0.25) / 3, kTol);
  EXPECT_EQ(f[Figure::kNext], 0.0);
  EXPECT_NEAR(f[Figure::kMin], 0.25, kTol);
  EXPECT_EQ(classify_head(f).pattern, Pattern::kBroad);
}

TEST(Metrics, FirstColumnIsASink) {
  const HeadFigures f = figures_of(testing::column(4, 0), /*causal=*/false, {1, 0, 0, 1});
  EXPECT_EQ(f[Figure::kFirst], 1.0);
  EXPECT_NEAR(f[Figure::kSelf], 0.25, kTol);  // row 0 is its own first token
  EXPECT_EQ(f[Figure::kSpecial], 1.0);
  EXPECT_EQ(f[Figure::kSpecialNotFirst], 0.0);
  EXPECT_EQ(classify_head(f).pattern, Pattern::kFirst);
}

TEST(Metrics, LastSpecialColumnIsASpecialHead) {
  // Everything on a final [SEP]: `special` class, not `first`.
  const HeadFigures f = figures_of(testing::column(4, 3), /*causal=*/false, {1, 0, 0, 1});
  EXPECT_EQ(f[Figure::kSpecial], 1.0);
  EXPECT_EQ(f[Figure::kSpecialNotFirst], 1.0);
  EXPECT_EQ(f[Figure::kFirst], 0.0);
  EXPECT_NEAR(f[Figure::kNext], 1.0 / 3, kTol);
  EXPECT_EQ(classify_head(f).pattern, Pattern::kSpecial);
}

TEST(Metrics, UnknownSpecialMaskLeavesSpecialUndefined) {
  const HeadFigures f = figures_of(testing::column(4, 3), /*causal=*/false);
  EXPECT_TRUE(std::isnan(f[Figure::kSpecial]));
  EXPECT_TRUE(std::isnan(f[Figure::kSpecialNotFirst]));
  EXPECT_EQ(classify_head(f).pattern, Pattern::kMixed);
}

TEST(Metrics, SingleTokenHasNoEntropyRows) {
  const HeadFigures f = figures_of({{1.0f}}, /*causal=*/true, {1});
  EXPECT_TRUE(std::isnan(f[Figure::kEntropy]));
  EXPECT_TRUE(std::isnan(f[Figure::kNormalizedEntropy]));
  EXPECT_TRUE(std::isnan(f[Figure::kSelf]));
  EXPECT_TRUE(std::isnan(f[Figure::kPrevious]));
  EXPECT_TRUE(std::isnan(f[Figure::kNext]));
  EXPECT_TRUE(std::isnan(f[Figure::kFirst]));
  EXPECT_EQ(f[Figure::kConfidence], 1.0);
  EXPECT_EQ(f[Figure::kDistance], 0.0);
  EXPECT_EQ(f[Figure::kDistanceNormalized], 0.0);
  EXPECT_EQ(f[Figure::kSpecial], 1.0);
}

TEST(Metrics, CausalIgnoresEntriesAboveTheDiagonal) {
  // Causal visibility comes from the flag: weight above the diagonal is not a visible key.
  Matrix m = testing::uniform(3, true);
  const HeadFigures clean = figures_of(m, true);
  m[0][2] = 0.5f;  // not visible to query 0 under causal masking
  const HeadFigures dirty = figures_of(m, true);
  for (size_t k = 0; k < kFigureCount; ++k) {
    if (std::isnan(clean.values[k])) continue;
    EXPECT_EQ(clean.values[k], dirty.values[k]) << figure_name(static_cast<Figure>(k));
  }
  // Bidirectional reading of a causal matrix sees the zeros: lower entropy bound, next > 0.
  const HeadFigures bi = figures_of(testing::shifted_identity(4), false);
  EXPECT_NEAR(bi[Figure::kNormalizedEntropy], 0.0, kTol);
  EXPECT_EQ(bi[Figure::kNext], 0.0);
  EXPECT_NEAR(bi[Figure::kMean], 0.25, kTol);
}

void expect_same_figures(const HeadFigures& a, const HeadFigures& b) {
  for (size_t k = 0; k < kFigureCount; ++k) {
    const std::string name(figure_name(static_cast<Figure>(k)));
    if (std::isnan(a.values[k])) {
      EXPECT_TRUE(std::isnan(b.values[k])) << name;
    } else {
      EXPECT_NEAR(a.values[k], b.values[k], 1e-9) << name;
    }
  }
}

TEST(Metrics, PaddingIsDroppedRightLeftAndInside) {
  for (bool causal : {false, true}) {
    const Matrix real = testing::random_rows(3, causal, 7);
    const HeadFigures expected = figures_of(real, causal, {1, 0, 1});
    for (const std::vector<int64_t>& mask :
         std::vector<std::vector<int64_t>>{{1, 1, 1, 0, 0}, {0, 0, 1, 1, 1}, {1, 0, 1, 0, 1}}) {
      std::vector<uint8_t> special(mask.size(), 0);
      int64_t r = 0;
      for (size_t p = 0; p < mask.size(); ++p) {
        if (mask[p] == 0) {
          special[p] = 1;  // padding marked special must not count either
          continue;
        }
        special[p] = (r == 0 || r == 2) ? 1 : 0;
        ++r;
      }
      SCOPED_TRACE(::testing::Message() << "causal " << causal << " mask " << mask[0] << mask[1]
                                        << mask[2] << mask[3] << mask[4]);
      expect_same_figures(expected, figures_of(testing::pad(real, mask), causal, special, mask));
    }
  }
}

TEST(Metrics, AllPaddingLeavesEveryFigureUndefined) {
  const Matrix m = testing::uniform(3, false);
  const HeadFigures f = figures_of(m, false, {}, {0, 0, 0});
  for (double v : f.values) EXPECT_TRUE(std::isnan(v));
}

TEST(Metrics, BoundsOnRandomRows) {
  for (bool causal : {false, true}) {
    for (uint32_t seed = 1; seed <= 20; ++seed) {
      const int64_t n = 2 + seed % 9;
      const Matrix m = testing::random_rows(n, causal, seed, 0.2 + 0.4 * (seed % 7));
      const HeadFigures f = figures_of(m, causal);
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " causal " << causal);
      EXPECT_GE(f[Figure::kNormalizedEntropy], 0.0);
      EXPECT_LE(f[Figure::kNormalizedEntropy], 1.0 + 1e-9);
      EXPECT_LE(f[Figure::kEntropy], std::log(static_cast<double>(n)) + 1e-9);
      EXPECT_LE(f[Figure::kConfidence], 1.0);
      EXPECT_GE(f[Figure::kConfidence], 1.0 / static_cast<double>(n) - 1e-9);
      EXPECT_LE(f[Figure::kMin], f[Figure::kMean]);
      EXPECT_LE(f[Figure::kMean], f[Figure::kMax]);
      const double entries = causal ? n * (n + 1) / 2.0 : static_cast<double>(n * n);
      EXPECT_NEAR(f[Figure::kMean], static_cast<double>(n) / entries, 1e-6);
      EXPECT_GE(f[Figure::kDistanceNormalized], 0.0);
      EXPECT_LE(f[Figure::kDistanceNormalized], 1.0);
      if (causal) {
        EXPECT_EQ(f[Figure::kNext], 0.0);
      }
    }
  }
}

TEST(Metrics, LayerFiguresAreMeansOfHeads) {
  const auto layer = make_layer({testing::identity(4), testing::uniform(4, false)});
  const auto heads = compute_layer_figures(layer.view(0, false), {});
  ASSERT_EQ(heads.size(), 2u);
  const HeadFigures mean = mean_over_heads(heads);
  EXPECT_NEAR(mean[Figure::kSelf], (1.0 + 0.25) / 2, kTol);
  EXPECT_NEAR(mean[Figure::kEntropy], std::log(4.0) / 2, kTol);
  EXPECT_TRUE(std::isnan(mean[Figure::kSpecial]));
}

TEST(Metrics, RejectsWrongSizes) {
  auto layer = make_layer({testing::identity(3)});
  LayerAttention view = layer.view(0, false);
  view.num_tokens = 4;
  EXPECT_THROW(compute_layer_figures(view, {}), ShapeError);
  view.num_tokens = 3;
  EXPECT_THROW(compute_layer_figures(view, std::vector<uint8_t>{1, 0}), InputError);
  const std::vector<int64_t> bad_mask = {1, 2, 1};
  view.attention_mask = bad_mask;
  EXPECT_THROW(compute_layer_figures(view, {}), InputError);
}

}  // namespace
}  // namespace attnscope::analysis
