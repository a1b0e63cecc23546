#include "analysis/flow.h"

#include <string>

#include "analysis/max_flow.h"
#include "core/error.h"

namespace attnscope::analysis {

void check_flow_size(int64_t layers, int64_t n) {
  if (layers <= 0 || n <= 0) return;
  const long double work = static_cast<long double>(n) * layers * n * n;
  if (work <= static_cast<long double>(kMaxFlowWork)) return;
  int64_t fits = 1;
  while (static_cast<long double>(fits + 1) * layers * (fits + 1) * (fits + 1) <=
         static_cast<long double>(kMaxFlowWork)) {
    ++fits;
  }
  throw LimitError(
      "attention flow over " + std::to_string(layers) + " layers of " + std::to_string(n) +
      " tokens is above its size limit (tokens^3 x layers <= " + std::to_string(kMaxFlowWork) +
      ", i.e. at most " + std::to_string(fits) + " tokens for " + std::to_string(layers) +
      " layers: exact max-flow runs once per token); use --method rollout, or a "
      "shorter input");
}

std::vector<double> attention_flow_values(const std::vector<std::vector<float>>& layers, int64_t n,
                                          int64_t target) {
  if (target < 0 || target >= n) {
    throw InputError("flow target " + std::to_string(target) + " is outside [0, " +
                     std::to_string(n) + ")");
  }
  const int64_t depth = static_cast<int64_t>(layers.size());
  check_flow_size(depth, n);
  std::vector<double> out(n, 0.0);
  if (depth == 0) {
    out[target] = 1.0;
    return out;
  }
  const auto node = [n](int64_t boundary, int64_t position) { return boundary * n + position; };
  FlowNetwork net((depth + 1) * n);
  for (int64_t l = 0; l < depth; ++l) {
    const std::vector<float>& a = layers[l];  // [query, key]
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        const float capacity = a[i * n + j];
        if (capacity > 0) net.add_edge(node(l, j), node(l + 1, i), capacity);
      }
    }
  }
  for (int64_t j = 0; j < n; ++j) out[j] = net.max_flow(node(0, j), node(depth, target));
  return out;
}

std::vector<double> attention_flow(const std::vector<std::vector<float>>& layers, int64_t n,
                                   int64_t target) {
  std::vector<double> out = attention_flow_values(layers, n, target);
  double total = 0;
  for (double v : out) total += v;
  if (total > 0) {
    for (double& v : out) v /= total;
  }
  return out;
}

}  // namespace attnscope::analysis
