// Exact maximum flow on a directed graph with real capacities (Dinic's algorithm: BFS levels,
// then blocking flows by depth-first search with a per-node edge cursor). Attention flow
// (flow.h) runs it once per input token on the layered attention graph; it is a separate file
// so the algorithm is tested on its own against brute-force minimum cuts.
//
//   FlowNetwork net(4);
//   net.add_edge(0, 1, 0.5);
//   net.add_edge(1, 3, 0.25);
//   double f = net.max_flow(/*source=*/0, /*sink=*/3);   // 0.25
//
// Capacities are doubles; a residual capacity at or below kFlowEpsilon counts as saturated, so
// sums of attention weights do not leave paths open by rounding. max_flow may be called again
// with other endpoints: each call starts from zero flow.
#pragma once

#include <cstdint>
#include <vector>

namespace attnscope::analysis {

inline constexpr double kFlowEpsilon = 1e-12;

class FlowNetwork {
 public:
  explicit FlowNetwork(int64_t nodes);

  int64_t nodes() const { return nodes_; }
  int64_t edges() const { return static_cast<int64_t>(capacity_.size() / 2); }

  // A directed edge; capacity >= 0 (InputError otherwise, or for a node out of range).
  void add_edge(int64_t from, int64_t to, double capacity);

  // The value of a maximum flow from `source` to `sink` (0 when source == sink is refused:
  // InputError).
  double max_flow(int64_t source, int64_t sink);

 private:
  void build_adjacency();
  bool levels_from(int64_t source, int64_t sink);
  double push(int64_t node, int64_t sink, double limit);

  int64_t nodes_;
  bool built_ = false;
  // Edge 2k is the k-th added edge, 2k+1 its reverse (capacity 0).
  std::vector<int32_t> from_, to_;
  std::vector<double> capacity_;  // [edge] original capacity
  std::vector<double> residual_;  // [edge]
  std::vector<int64_t> first_;    // [node + 1] CSR offsets into adjacency_
  std::vector<int32_t> adjacency_;
  std::vector<int32_t> level_;   // [node] BFS level, -1 = unreached
  std::vector<int64_t> cursor_;  // [node] next adjacency index to try
  std::vector<int32_t> queue_;
};

}  // namespace attnscope::analysis
