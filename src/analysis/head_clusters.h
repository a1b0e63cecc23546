// `similarity` as one library call: run texts through a source, measure the Jensen–Shannon
// distance between every pair of selected heads (similarity.h), cluster them with average
// linkage (clustering.h), and describe each cluster by its members' dominant pattern (the
// analyze pattern classes, from the same forward passes). JSON layout: docs/analysis.md.
//
//   HeadClusters c = cluster_heads(analyzer.source(), inputs, {.cut = 4});
//   for (size_t k = 0; k < c.clusters.size(); ++k) std::cout << c.cluster_patterns[k];
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "analysis/attention_source.h"
#include "analysis/clustering.h"
#include "analysis/patterns.h"
#include "analysis/similarity.h"

namespace attnscope::analysis {

struct ClusterOptions {
  std::set<int> layers;  // model layer numbers; empty = all
  std::set<int> heads;   // head numbers; empty = all
  // Where to cut the tree: into `cut` clusters, or at `threshold` (merges at distance <=
  // threshold); neither: ceil(sqrt(N)) clusters. Both: InputError.
  std::optional<int64_t> cut;
  std::optional<double> threshold;
  PatternThresholds thresholds;
};

// ceil(sqrt(n)): 3 clusters for 8 heads, 12 for BERT-base's 144.
int64_t default_cluster_count(int64_t heads);

struct HeadClusters {
  std::string model;
  int64_t texts = 0;
  std::vector<HeadId> heads;
  std::vector<std::string> patterns;  // [head] pattern class (patterns.h) over the texts
  std::vector<double> distance;       // [N x N]
  Dendrogram dendrogram;
  std::vector<std::vector<int64_t>> clusters;  // indices into heads
  std::vector<std::string> cluster_patterns;   // [cluster] most common member pattern
  std::string cut_kind;                        // "count" or "threshold"
  double cut_value = 0;
};

// InputError for no inputs or a bad cut; the errors of the forward pass as they are.
HeadClusters cluster_heads(AttentionSource& source, std::span<const EncodedText> inputs,
                           const ClusterOptions& options = {});

// The same from distances and patterns already computed (e.g. a test, or a saved result).
void cut_tree(HeadClusters& result, const ClusterOptions& options);

}  // namespace attnscope::analysis
