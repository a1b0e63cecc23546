#include "analysis/clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "core/error.h"

namespace attnscope::analysis {

Dendrogram average_linkage(const std::vector<double>& distances, int64_t n) {
  if (n < 1 || static_cast<int64_t>(distances.size()) != n * n) {
    throw InputError("clustering needs an n x n distance matrix with n >= 1; got " +
                     std::to_string(distances.size()) + " values for n = " + std::to_string(n));
  }
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const double d = distances[i * n + j];
      if (!std::isfinite(d) || d < 0 || std::abs(d - distances[j * n + i]) > 1e-12) {
        throw InputError("distance[" + std::to_string(i) + "][" + std::to_string(j) +
                         "] = " + std::to_string(d) + " is negative, not finite or not symmetric");
      }
    }
  }
  Dendrogram out;
  out.leaves = n;
  // Active clusters by id; d[{a, b}] (a < b) between active clusters.
  std::vector<int64_t> active(n), size(2 * n - 1, 1);
  for (int64_t i = 0; i < n; ++i) active[i] = i;
  std::vector<std::vector<int64_t>> children(2 * n - 1);
  std::vector<double> d(static_cast<size_t>(2 * n - 1) * (2 * n - 1), 0.0);
  const int64_t stride = 2 * n - 1;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) d[i * stride + j] = distances[i * n + j];
  }
  for (int64_t k = 0; k + 1 < n; ++k) {
    double best = std::numeric_limits<double>::infinity();
    size_t best_x = 0, best_y = 1;
    for (size_t x = 0; x < active.size(); ++x) {  // active is ascending by id
      for (size_t y = x + 1; y < active.size(); ++y) {
        const double v = d[active[x] * stride + active[y]];
        if (v < best) {
          best = v;
          best_x = x;
          best_y = y;
        }
      }
    }
    const int64_t a = active[best_x], b = active[best_y], c = n + k;
    size[c] = size[a] + size[b];
    children[c] = {a, b};
    out.merges.push_back({a, b, best, size[c]});
    active.erase(active.begin() + static_cast<std::ptrdiff_t>(best_y));
    active.erase(active.begin() + static_cast<std::ptrdiff_t>(best_x));
    for (int64_t other : active) {
      const double v = (size[a] * d[a * stride + other] + size[b] * d[b * stride + other]) /
                       static_cast<double>(size[c]);
      d[c * stride + other] = d[other * stride + c] = v;
    }
    active.push_back(c);  // the largest id so far: the list stays ascending
  }
  // Leaf order: depth-first from the root, left (a) before right (b).
  std::vector<int64_t> stack = {2 * n - 2};
  while (!stack.empty()) {
    const int64_t node = stack.back();
    stack.pop_back();
    if (node < n) {
      out.order.push_back(node);
    } else {
      stack.push_back(children[node][1]);
      stack.push_back(children[node][0]);
    }
  }
  return out;
}

namespace {

// Clusters after applying the first `merges` merges.
std::vector<std::vector<int64_t>> clusters_after(const Dendrogram& dendrogram, size_t merges) {
  const int64_t n = dendrogram.leaves;
  std::vector<int64_t> parent(2 * n - 1);
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = static_cast<int64_t>(i);
  for (size_t k = 0; k < merges; ++k) {
    const Merge& m = dendrogram.merges[k];
    parent[m.a] = parent[m.b] = n + static_cast<int64_t>(k);
  }
  const auto root = [&](int64_t x) {
    while (parent[x] != x) x = parent[x];
    return x;
  };
  std::map<int64_t, std::vector<int64_t>> groups;
  for (int64_t leaf = 0; leaf < n; ++leaf) groups[root(leaf)].push_back(leaf);
  std::vector<std::vector<int64_t>> out;
  for (auto& [id, leaves] : groups) out.push_back(std::move(leaves));
  std::sort(out.begin(), out.end());  // by smallest leaf (each list is ascending)
  return out;
}

}  // namespace

std::vector<std::vector<int64_t>> clusters_by_count(const Dendrogram& dendrogram, int64_t count) {
  if (count < 1 || count > dendrogram.leaves) {
    throw InputError("--cut " + std::to_string(count) + " is outside [1, " +
                     std::to_string(dendrogram.leaves) + "] (the number of heads)");
  }
  return clusters_after(dendrogram, static_cast<size_t>(dendrogram.leaves - count));
}

std::vector<std::vector<int64_t>> clusters_by_distance(const Dendrogram& dendrogram,
                                                       double threshold) {
  if (!std::isfinite(threshold) || threshold < 0) {
    throw InputError("--threshold " + std::to_string(threshold) + " must be a distance >= 0");
  }
  size_t merges = 0;
  while (merges < dendrogram.merges.size() && dendrogram.merges[merges].distance <= threshold) {
    ++merges;
  }
  return clusters_after(dendrogram, merges);
}

}  // namespace attnscope::analysis
