// Jensen–Shannon head distances (properties and a known value) and average-linkage clustering
// against a hand-worked example and under permutation of its input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "analysis/clustering.h"
#include "analysis/similarity.h"
#include "attention_builders.h"
#include "core/error.h"

namespace attnscope::analysis {
namespace {

TEST(JsDivergence, KnownValuesAndBounds) {
  const std::vector<float> a = {1, 0}, b = {0, 1}, u = {0.5f, 0.5f};
  EXPECT_NEAR(js_divergence(a, b), std::log(2.0), 1e-12);  // disjoint supports: ln 2
  EXPECT_EQ(js_divergence(a, a), 0.0);
  // JS([1,0], [.5,.5]) = ½ ln(1/.75) + ½ (.5 ln(.5/.75) + .5 ln(.5/.25)).
  const double expected =
      0.5 * std::log(1 / 0.75) + 0.5 * (0.5 * std::log(0.5 / 0.75) + 0.5 * std::log(0.5 / 0.25));
  EXPECT_NEAR(js_divergence(a, u), expected, 1e-7);
  EXPECT_THROW(js_divergence(a, std::vector<float>{1}), InputError);
}

TEST(HeadSimilarity, SymmetricZeroOnIdenticalHeadsBoundedByLn2) {
  const int64_t n = 5;
  // Layer 0: identity, a copy of it, random; layer 1: previous-token, random, uniform.
  const auto l0 = testing::make_layer(
      {testing::identity(n), testing::identity(n), testing::random_rows(n, true, 4)});
  const auto l1 = testing::make_layer(
      {testing::shifted_identity(n), testing::random_rows(n, true, 9), testing::uniform(n, true)});
  HeadSimilarity sim;
  sim.on_attention(l0.view(0, true));
  sim.on_attention(l1.view(1, true));
  sim.end_text();
  const auto& heads = sim.heads();
  ASSERT_EQ(heads.size(), 6u);
  EXPECT_EQ(heads[3], (HeadId{1, 0}));
  const std::vector<double> d = sim.distances();
  for (size_t a = 0; a < 6; ++a) {
    EXPECT_EQ(d[a * 6 + a], 0.0);
    for (size_t b = 0; b < 6; ++b) {
      EXPECT_EQ(d[a * 6 + b], d[b * 6 + a]);
      EXPECT_GE(d[a * 6 + b], 0.0);
      EXPECT_LE(d[a * 6 + b], std::log(2.0) + 1e-12);
    }
  }
  EXPECT_NEAR(d[0 * 6 + 1], 0.0, 1e-12);  // identical heads
  // identity vs previous-token: row 0 identical (both on key 0), rows 1..4 disjoint: 4/5 ln 2.
  EXPECT_NEAR(d[0 * 6 + 3], 0.8 * std::log(2.0), 1e-7);
  // A second text with the same heads averages; a text with other heads is refused.
  sim.on_attention(l0.view(0, true));
  sim.on_attention(l1.view(1, true));
  sim.end_text();
  EXPECT_EQ(sim.texts(), 2);
  EXPECT_NEAR(sim.distances()[0 * 6 + 3], 0.8 * std::log(2.0), 1e-7);
  sim.on_attention(l0.view(0, true));
  EXPECT_THROW(sim.end_text(), InputError);
  HeadSimilarity only_layer1({1}, {0, 2});
  only_layer1.on_attention(l0.view(0, true));
  only_layer1.on_attention(l1.view(1, true));
  only_layer1.end_text();
  EXPECT_EQ(only_layer1.heads(), (std::vector<HeadId>{{1, 0}, {1, 2}}));
}

// Leaves 0..3; pairs {0,2} at 1 and {1,3} at 2; between them d(0,1)=4, d(0,3)=5, d(2,1)=3,
// d(2,3)=6. Merge 0: (0,2) at 1 -> 4; d(4,1) = (4+3)/2 = 3.5, d(4,3) = (5+6)/2 = 5.5.
// Merge 1: (1,3) at 2 -> 5. Merge 2: (4,5) at mean(4,5,3,6) = 4.5. Leaf order 0 2 1 3.
const std::vector<double> kFour = {0, 4, 1, 5,  //
                                   4, 0, 3, 2,  //
                                   1, 3, 0, 6,  //
                                   5, 2, 6, 0};

TEST(AverageLinkage, HandWorkedExampleInScipyConvention) {
  const Dendrogram d = average_linkage(kFour, 4);
  ASSERT_EQ(d.merges.size(), 3u);
  const double expected[3][4] = {{0, 2, 1, 2}, {1, 3, 2, 2}, {4, 5, 4.5, 4}};
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(d.merges[k].a, expected[k][0]) << "merge " << k;
    EXPECT_EQ(d.merges[k].b, expected[k][1]) << "merge " << k;
    EXPECT_NEAR(d.merges[k].distance, expected[k][2], 1e-12) << "merge " << k;
    EXPECT_EQ(d.merges[k].size, expected[k][3]) << "merge " << k;
  }
  EXPECT_EQ(d.order, (std::vector<int64_t>{0, 2, 1, 3}));
  using Groups = std::vector<std::vector<int64_t>>;
  EXPECT_EQ(clusters_by_count(d, 2), (Groups{{0, 2}, {1, 3}}));
  EXPECT_EQ(clusters_by_count(d, 1), (Groups{{0, 1, 2, 3}}));
  EXPECT_EQ(clusters_by_count(d, 4), (Groups{{0}, {1}, {2}, {3}}));
  EXPECT_EQ(clusters_by_distance(d, 1.5), (Groups{{0, 2}, {1}, {3}}));
  EXPECT_EQ(clusters_by_distance(d, 4.5), (Groups{{0, 1, 2, 3}}));
  EXPECT_THROW(clusters_by_count(d, 0), InputError);
  EXPECT_THROW(clusters_by_count(d, 5), InputError);
  EXPECT_THROW(clusters_by_distance(d, -1), InputError);
  EXPECT_THROW(average_linkage({0, 1, 2, 0}, 2), InputError);  // not symmetric
  EXPECT_THROW(average_linkage({0, 1, 1}, 2), InputError);
}

TEST(AverageLinkage, InvariantToInputOrder) {
  const int64_t n = 9;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0.1, 1.0);
  std::vector<double> d(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) d[i * n + j] = d[j * n + i] = u(rng);
  }
  const Dendrogram base = average_linkage(d, n);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<int64_t> perm(n);  // new index k holds old leaf perm[k]
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<double> p(n * n);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) p[i * n + j] = d[perm[i] * n + perm[j]];
    }
    const Dendrogram other = average_linkage(p, n);
    for (size_t k = 0; k < base.merges.size(); ++k) {
      EXPECT_NEAR(other.merges[k].distance, base.merges[k].distance, 1e-12) << "merge " << k;
      EXPECT_EQ(other.merges[k].size, base.merges[k].size) << "merge " << k;
    }
    for (int64_t count = 1; count <= n; ++count) {
      auto mapped = clusters_by_count(other, count);
      for (auto& group : mapped) {
        for (int64_t& leaf : group) leaf = perm[leaf];
        std::sort(group.begin(), group.end());
      }
      std::sort(mapped.begin(), mapped.end());
      EXPECT_EQ(mapped, clusters_by_count(base, count)) << "trial " << trial << " K " << count;
    }
  }
}

}  // namespace
}  // namespace attnscope::analysis
