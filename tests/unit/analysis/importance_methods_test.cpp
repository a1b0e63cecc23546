// Rollout, flow and the visibility-corrected raw importance against hand-computed answers,
// brute-force minimum cuts and path bottlenecks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "analysis/flow.h"
#include "analysis/importance.h"
#include "analysis/max_flow.h"
#include "analysis/rollout.h"
#include "attention_builders.h"
#include "core/error.h"

namespace attnscope::analysis {
namespace {

using testing::Matrix;

// Layer 0: heads "previous" and identity; layer 1: one head. Causal, 3 tokens.
//   mean_h A_0 = [[1,0,0],[.5,.5,0],[0,.5,.5]]  ->  Â_0 = [[1,0,0],[.25,.75,0],[0,.25,.75]]
//   A_1 = [[1,0,0],[.5,.5,0],[.5,0,.5]]          ->  Â_1 = [[1,0,0],[.25,.75,0],[.25,0,.75]]
// R = Â_1 Â_0: row 2 = .25·[1,0,0] + .75·[0,.25,.75] = [.25, .1875, .5625];
//              row 1 = .25·[1,0,0] + .75·[.25,.75,0] = [.4375, .5625, 0].
struct TwoLayers {
  testing::LayerBuffer l0 =
      testing::make_layer({Matrix{{1, 0, 0}, {1, 0, 0}, {0, 1, 0}}, testing::identity(3)});
  testing::LayerBuffer l1 = testing::make_layer({Matrix{{1, 0, 0}, {.5, .5, 0}, {.5, 0, .5}}});
  template <typename Observer>
  void feed(Observer& o) const {
    o.on_attention(l0.view(0, true));
    o.on_attention(l1.view(1, true));
  }
};

TEST(Rollout, HandComputedTwoLayersThreeTokens) {
  TwoLayers case_;
  TokenImportance last(ImportanceMethod::kRollout);
  case_.feed(last);
  const std::vector<double> s = last.scores();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_NEAR(s[0], 0.25, 1e-7);
  EXPECT_NEAR(s[1], 0.1875, 1e-7);
  EXPECT_NEAR(s[2], 0.5625, 1e-7);

  TokenImportance middle(ImportanceMethod::kRollout, {.target = 1});
  case_.feed(middle);
  const std::vector<double> m = middle.scores();
  EXPECT_NEAR(m[0], 0.4375, 1e-7);
  EXPECT_NEAR(m[1], 0.5625, 1e-7);
  EXPECT_EQ(m[2], 0.0);

  TokenImportance outside(ImportanceMethod::kRollout, {.target = 3});
  case_.feed(outside);
  EXPECT_THROW(outside.scores(), InputError);
}

TEST(Rollout, LayerAndHeadSelection) {
  TwoLayers case_;
  // Layer 1 alone: row 2 of Â_1.
  TokenImportance last_layer(ImportanceMethod::kRollout, {.layers = {1}});
  case_.feed(last_layer);
  const std::vector<double> s = last_layer.scores();
  EXPECT_NEAR(s[0], 0.25, 1e-7);
  EXPECT_NEAR(s[1], 0.0, 1e-7);
  EXPECT_NEAR(s[2], 0.75, 1e-7);
  // Layer 0's head 1 (identity) alone: Â_0 = I, so all of row 2 stays on token 2.
  TokenImportance identity_head(ImportanceMethod::kRollout, {.layers = {0}, .heads = {1}});
  case_.feed(identity_head);
  EXPECT_NEAR(identity_head.scores()[2], 1.0, 1e-7);
  TokenImportance bad_head(ImportanceMethod::kRaw, {.heads = {2}});
  EXPECT_THROW(case_.feed(bad_head), InputError);
}

TEST(Rollout, EncoderDefaultsToFirstTokenAndSkipsPadding) {
  // One bidirectional layer, uniform over 2 real tokens, a padded third position.
  const std::vector<int64_t> mask = {1, 1, 0};
  const auto layer = testing::make_layer({testing::pad(testing::uniform(2, false), mask)}, mask);
  TokenImportance r(ImportanceMethod::kRollout);
  r.on_attention(layer.view(0, false));
  const std::vector<double> s = r.scores();
  // Â = .5·[[.5,.5],[.5,.5]] + .5·I = [[.75,.25],[.25,.75]]; row 0.
  EXPECT_NEAR(s[0], 0.75, 1e-7);
  EXPECT_NEAR(s[1], 0.25, 1e-7);
  EXPECT_EQ(s[2], 0.0);
  TokenImportance padded_target(ImportanceMethod::kRollout, {.target = 2});
  padded_target.on_attention(layer.view(0, false));
  EXPECT_THROW(padded_target.scores(), InputError);
}

TEST(Flow, HandComputedTwoLayersThreeTokens) {
  // Into (2,2): from (1,0) cap .25 and (1,2) cap .75. Token 0 reaches (1,0) only through
  // Â_0[0][0] = 1 (its edge to (1,1) dead-ends): .25. Token 1: (0,1)->(1,2) .25: .25.
  // Token 2: (0,2)->(1,2) .75: .75. Values .25, .25, .75, normalised by 1.25.
  TwoLayers case_;
  ResidualAttention residual;
  case_.feed(residual);
  const std::vector<double> values = attention_flow_values(residual.layers(), 3, 2);
  EXPECT_NEAR(values[0], 0.25, 1e-7);
  EXPECT_NEAR(values[1], 0.25, 1e-7);
  EXPECT_NEAR(values[2], 0.75, 1e-7);
  TokenImportance flow(ImportanceMethod::kFlow);
  case_.feed(flow);
  const std::vector<double> s = flow.scores();
  EXPECT_NEAR(s[0], 0.2, 1e-7);
  EXPECT_NEAR(s[1], 0.2, 1e-7);
  EXPECT_NEAR(s[2], 0.6, 1e-7);
}

// Minimum s-t cut by trying every set of the other nodes on the source side.
double brute_force_min_cut(int64_t nodes, const std::vector<std::tuple<int, int, double>>& edges,
                           int64_t source, int64_t sink) {
  double best = std::numeric_limits<double>::infinity();
  std::vector<int64_t> others;
  for (int64_t v = 0; v < nodes; ++v) {
    if (v != source && v != sink) others.push_back(v);
  }
  for (uint64_t subset = 0; subset < (uint64_t{1} << others.size()); ++subset) {
    std::vector<bool> in_s(nodes, false);
    in_s[source] = true;
    for (size_t k = 0; k < others.size(); ++k) in_s[others[k]] = (subset >> k) & 1;
    double cut = 0;
    for (const auto& [u, v, c] : edges) {
      if (in_s[u] && !in_s[v]) cut += c;
    }
    best = std::min(best, cut);
  }
  return best;
}

TEST(MaxFlow, EqualsBruteForceMinCutOnRandomGraphs) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> capacity(0.0, 1.0);
  for (int trial = 0; trial < 200; ++trial) {
    const int nodes = 2 + static_cast<int>(rng() % 9);  // 2..10
    FlowNetwork net(nodes);
    std::vector<std::tuple<int, int, double>> edges;
    for (int u = 0; u < nodes; ++u) {
      for (int v = 0; v < nodes; ++v) {
        if (u != v && rng() % 3 == 0) {
          const double c = capacity(rng);
          net.add_edge(u, v, c);
          edges.emplace_back(u, v, c);
        }
      }
    }
    const int source = static_cast<int>(rng() % nodes);
    const int sink = (source + 1 + static_cast<int>(rng() % (nodes - 1))) % nodes;
    const double expected = brute_force_min_cut(nodes, edges, source, sink);
    EXPECT_NEAR(net.max_flow(source, sink), expected, 1e-9)
        << "trial " << trial << ": " << nodes << " nodes, " << edges.size() << " edges";
    // A second call starts from zero flow.
    EXPECT_NEAR(net.max_flow(source, sink), expected, 1e-9) << "trial " << trial << " (again)";
  }
  FlowNetwork net(2);
  EXPECT_THROW(net.add_edge(0, 2, 1.0), InputError);
  EXPECT_THROW(net.add_edge(0, 1, -1.0), InputError);
  EXPECT_THROW(net.max_flow(1, 1), InputError);
}

// Random attention layers, n tokens each.
std::vector<testing::LayerBuffer> random_layers(int64_t layers, int64_t heads, int64_t n,
                                                bool causal, uint32_t seed) {
  std::vector<testing::LayerBuffer> out;
  for (int64_t l = 0; l < layers; ++l) {
    std::vector<Matrix> hs;
    for (int64_t h = 0; h < heads; ++h) {
      hs.push_back(testing::random_rows(n, causal, seed + 100 * l + h, 1.5));
    }
    out.push_back(testing::make_layer(hs));
  }
  return out;
}

TEST(Flow, LayeredGraphEqualsMinCutAndBeatsEveryPath) {
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    const bool causal = seed % 2 == 0;
    const int64_t layers = 2 + seed % 2, n = 3;
    const auto buffers = random_layers(layers, 2, n, causal, seed);
    ResidualAttention residual;
    for (int64_t l = 0; l < layers; ++l) {
      residual.on_attention(buffers[l].view(static_cast<int>(l), causal));
    }
    const auto& a = residual.layers();
    const int64_t target = causal ? n - 1 : 0;
    const std::vector<double> values = attention_flow_values(a, n, target);
    // The same graph for the brute force: node (l, p) = l·n + p.
    std::vector<std::tuple<int, int, double>> edges;
    for (int64_t l = 0; l < layers; ++l) {
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          if (a[l][i * n + j] > 0) {
            edges.emplace_back(l * n + j, (l + 1) * n + i, a[l][i * n + j]);
          }
        }
      }
    }
    for (int64_t j = 0; j < n; ++j) {
      EXPECT_NEAR(values[j], brute_force_min_cut((layers + 1) * n, edges, j, layers * n + target),
                  1e-6)
          << "seed " << seed << " token " << j;
      // Every single path (0,j) -> (1,p1) -> ... -> (L,target): its bottleneck is a feasible
      // flow, so the max flow is at least the largest one.
      double best_path = 0;
      std::function<void(int64_t, int64_t, double)> walk = [&](int64_t l, int64_t p, double b) {
        if (l == layers) {
          if (p == target) best_path = std::max(best_path, b);
          return;
        }
        for (int64_t i = 0; i < n; ++i) walk(l + 1, i, std::min(b, double{a[l][i * n + p]}));
      };
      walk(0, j, 1.0);
      EXPECT_GE(values[j] + 1e-9, best_path) << "seed " << seed << " token " << j;
    }
  }
}

TEST(Flow, RefusesAboveItsSizeLimit) {
  EXPECT_NO_THROW(check_flow_size(12, 256));
  EXPECT_NO_THROW(check_flow_size(12, 320));
  try {
    check_flow_size(12, 321);
    FAIL() << "no LimitError";
  } catch (const LimitError& e) {
    EXPECT_NE(std::string(e.what()).find("rollout"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at most 320 tokens"), std::string::npos) << e.what();
  }
}

TEST(RawImportance, VisibleOnlyMeansOverTheRowsThatSeeEachKey) {
  // Uniform causal attention over 3 tokens: key 0 gets (1 + 1/2 + 1/3)/3 over its 3 rows,
  // key 1 (1/2 + 1/3)/2 over 2 rows, key 2 (1/3)/1 over 1 row; then normalised.
  const auto layer = testing::make_layer({testing::uniform(3, true)});
  RawImportance visible(/*visible_only=*/true);
  visible.on_attention(layer.view(0, true));
  const double k0 = (1 + 0.5 + 1.0 / 3) / 3, k1 = (0.5 + 1.0 / 3) / 2, k2 = 1.0 / 3;
  const std::vector<double> s = visible.scores();
  EXPECT_NEAR(s[0], k0 / (k0 + k1 + k2), 1e-7);
  EXPECT_NEAR(s[1], k1 / (k0 + k1 + k2), 1e-7);
  EXPECT_NEAR(s[2], k2 / (k0 + k1 + k2), 1e-7);
  // Encoders: every real row sees every key, so it equals raw.
  const auto encoder = testing::make_layer({testing::random_rows(4, false, 3)});
  RawImportance plain, corrected(true);
  plain.on_attention(encoder.view(0, false));
  corrected.on_attention(encoder.view(0, false));
  for (size_t k = 0; k < 4; ++k) EXPECT_NEAR(plain.scores()[k], corrected.scores()[k], 1e-12);
}

TEST(Importance, MethodsParseAndNormNeedsALiveModel) {
  EXPECT_EQ(parse_importance_method("rollout"), ImportanceMethod::kRollout);
  EXPECT_EQ(parse_importance_method("flow"), ImportanceMethod::kFlow);
  EXPECT_EQ(parse_importance_method("norm"), ImportanceMethod::kNorm);
  EXPECT_THROW(parse_importance_method("all"), UnsupportedError);
  EXPECT_THROW(TokenImportance{ImportanceMethod::kNorm}, UnsupportedError);
}

TEST(Spearman, KnownValues) {
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0, 1e-12);
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0, 1e-12);
  // Ranks (1,2,3) vs (1.5,1.5,3): r = 0.866...
  EXPECT_NEAR(spearman({1, 2, 3}, {5, 5, 7}), std::sqrt(3.0) / 2, 1e-12);
  EXPECT_TRUE(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));
}

}  // namespace
}  // namespace attnscope::analysis
