#include "analysis/max_flow.h"

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.h"

namespace attnscope::analysis {

FlowNetwork::FlowNetwork(int64_t nodes) : nodes_(nodes) {
  if (nodes < 0 || nodes > std::numeric_limits<int32_t>::max()) {
    throw InputError("a flow network needs 0 to 2^31-1 nodes, got " + std::to_string(nodes));
  }
}

void FlowNetwork::add_edge(int64_t from, int64_t to, double capacity) {
  if (from < 0 || from >= nodes_ || to < 0 || to >= nodes_) {
    throw InputError("flow edge " + std::to_string(from) + " -> " + std::to_string(to) +
                     " names a node outside [0, " + std::to_string(nodes_) + ")");
  }
  if (!(capacity >= 0)) {
    throw InputError("flow edge " + std::to_string(from) + " -> " + std::to_string(to) +
                     " has capacity " + std::to_string(capacity) + "; expected >= 0");
  }
  from_.push_back(static_cast<int32_t>(from));
  to_.push_back(static_cast<int32_t>(to));
  capacity_.push_back(capacity);
  from_.push_back(static_cast<int32_t>(to));
  to_.push_back(static_cast<int32_t>(from));
  capacity_.push_back(0.0);
  built_ = false;
}

void FlowNetwork::build_adjacency() {
  first_.assign(nodes_ + 1, 0);
  for (int32_t f : from_) ++first_[f + 1];
  for (int64_t n = 0; n < nodes_; ++n) first_[n + 1] += first_[n];
  adjacency_.assign(from_.size(), 0);
  std::vector<int64_t> fill(first_.begin(), first_.end() - 1);
  for (size_t e = 0; e < from_.size(); ++e) adjacency_[fill[from_[e]]++] = static_cast<int32_t>(e);
  level_.assign(nodes_, -1);
  cursor_.assign(nodes_, 0);
  built_ = true;
}

bool FlowNetwork::levels_from(int64_t source, int64_t sink) {
  std::fill(level_.begin(), level_.end(), -1);
  queue_.clear();
  queue_.push_back(static_cast<int32_t>(source));
  level_[source] = 0;
  for (size_t head = 0; head < queue_.size(); ++head) {
    const int32_t node = queue_[head];
    for (int64_t a = first_[node]; a < first_[node + 1]; ++a) {
      const int32_t e = adjacency_[a];
      if (residual_[e] > kFlowEpsilon && level_[to_[e]] < 0) {
        level_[to_[e]] = level_[node] + 1;
        queue_.push_back(to_[e]);
      }
    }
  }
  return level_[sink] >= 0;
}

// Sends up to `limit` from `node` toward `sink` along level-increasing residual edges; the
// recursion depth is at most the sink's level.
double FlowNetwork::push(int64_t node, int64_t sink, double limit) {
  if (node == sink) return limit;
  double sent = 0;
  for (int64_t& a = cursor_[node]; a < first_[node + 1]; ++a) {
    const int32_t e = adjacency_[a];
    const int32_t next = to_[e];
    if (residual_[e] <= kFlowEpsilon || level_[next] != level_[node] + 1) continue;
    const double pushed = push(next, sink, std::min(limit - sent, residual_[e]));
    if (pushed > 0) {
      residual_[e] -= pushed;
      residual_[e ^ 1] += pushed;
      sent += pushed;
      if (limit - sent <= kFlowEpsilon) return sent;  // keep the cursor: the edge may have more
    }
  }
  return sent;
}

double FlowNetwork::max_flow(int64_t source, int64_t sink) {
  if (source < 0 || source >= nodes_ || sink < 0 || sink >= nodes_ || source == sink) {
    throw InputError("max flow needs two different nodes in [0, " + std::to_string(nodes_) +
                     "), got " + std::to_string(source) + " and " + std::to_string(sink));
  }
  if (!built_) build_adjacency();
  residual_ = capacity_;
  double total = 0;
  while (levels_from(source, sink)) {
    std::fill(cursor_.begin(), cursor_.end(), 0);
    for (int64_t n = 0; n < nodes_; ++n) cursor_[n] = first_[n];
    while (true) {
      const double pushed = push(source, sink, std::numeric_limits<double>::infinity());
      if (pushed <= kFlowEpsilon) break;
      total += pushed;
    }
  }
  return total;
}

}  // namespace attnscope::analysis
