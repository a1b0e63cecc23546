// Attention flow (Abnar & Zuidema 2020; METRICS.md "Token importance"): the layered graph has a
// node per (layer boundary, position), L+1 boundaries; the edge from (l, j) to (l+1, i) has
// capacity Â_l[i][j] (rollout.h's residual-augmented head mean). The score of token j is the
// exact maximum flow from input node (0, j) to output node (L, target), by Dinic's algorithm
// (max_flow.h), one run per input token; the scores are then normalised to sum to 1.
//
// The work grows as n runs over a graph of L·n² edges, so inputs above kMaxFlowWork
// (n · L · n² edge-runs) are refused with a LimitError that suggests rollout. docs/analysis.md
// gives the measured times.
//
//   ResidualAttention residual;  model.forward(..., {&residual});
//   std::vector<double> f = attention_flow(residual.layers(), residual.size(), target);
#pragma once

#include <cstdint>
#include <vector>

namespace attnscope::analysis {

// The largest n · L · n² accepted: 12 layers of 320 tokens (~3.9e8).
inline constexpr int64_t kMaxFlowWork = int64_t{12} * 320 * 320 * 320;

// LimitError when n real tokens over `layers` layers exceed kMaxFlowWork, naming the largest
// n that fits and suggesting rollout.
void check_flow_size(int64_t layers, int64_t n);

// [n] max-flow value of each input token to (L, target), normalised to sum to 1 (all zeros
// stay zeros). `layers`: Â_l, each n x n [query, key].
std::vector<double> attention_flow(const std::vector<std::vector<float>>& layers, int64_t n,
                                   int64_t target);

// The raw max-flow values before normalisation (for tests: flow ≥ any path's bottleneck).
std::vector<double> attention_flow_values(const std::vector<std::vector<float>>& layers, int64_t n,
                                          int64_t target);

}  // namespace attnscope::analysis
