#include "analysis/head_clusters.h"

#include <algorithm>
#include <map>

#include "analysis/streaming_stats.h"
#include "core/error.h"

namespace attnscope::analysis {

int64_t default_cluster_count(int64_t heads) {
  int64_t k = 1;
  while (k * k < heads) ++k;
  return k;
}

void cut_tree(HeadClusters& result, const ClusterOptions& options) {
  if (options.cut && options.threshold) {
    throw InputError("give --cut K or --threshold D, not both");
  }
  const int64_t n = static_cast<int64_t>(result.heads.size());
  result.dendrogram = average_linkage(result.distance, n);
  if (options.threshold) {
    result.cut_kind = "threshold";
    result.cut_value = *options.threshold;
    result.clusters = clusters_by_distance(result.dendrogram, *options.threshold);
  } else {
    const int64_t count = options.cut ? *options.cut : default_cluster_count(n);
    result.cut_kind = "count";
    result.cut_value = static_cast<double>(count);
    result.clusters = clusters_by_count(result.dendrogram, count);
  }
  result.cluster_patterns.clear();
  for (const auto& cluster : result.clusters) {
    // The most common pattern; equal counts go to the class listed first (patterns.h order).
    std::map<std::string, int> counts;
    for (int64_t member : cluster) ++counts[result.patterns[member]];
    std::string best;
    int best_count = 0;
    for (size_t p = 0; p <= kScoredPatternCount; ++p) {
      const std::string name(pattern_name(static_cast<Pattern>(p)));
      const auto it = counts.find(name);
      if (it != counts.end() && it->second > best_count) {
        best = name;
        best_count = it->second;
      }
    }
    result.cluster_patterns.push_back(best);
  }
}

HeadClusters cluster_heads(AttentionSource& source, std::span<const EncodedText> inputs,
                           const ClusterOptions& options) {
  if (inputs.empty()) throw InputError("head similarity needs at least one text");
  if (options.cut && options.threshold) {
    throw InputError("give --cut K or --threshold D, not both");
  }
  HeadSimilarity similarity(options.layers, options.heads);
  StreamingStats stats(
      {.layers = options.layers, .heads = options.heads, .thresholds = options.thresholds});
  AttentionObserver* observers[] = {&similarity, &stats};
  for (const EncodedText& input : inputs) {
    stats.begin_text(input.special_mask);
    source.run(input, observers);
    similarity.end_text();
  }
  HeadClusters result;
  result.model = source.name();
  result.texts = similarity.texts();
  result.heads = similarity.heads();
  result.distance = similarity.distances();
  const AnalysisSummary summary = stats.summary();
  for (const HeadId& id : result.heads) {
    std::string name = "mixed";
    for (const HeadSummary& h : summary.heads) {
      if (h.layer == id.layer && h.head == id.head) {
        name = std::string(pattern_name(h.pattern.pattern));
      }
    }
    result.patterns.push_back(std::move(name));
  }
  if (result.heads.empty()) throw InputError("no heads selected (check --layers and --heads)");
  cut_tree(result, options);
  return result;
}

}  // namespace attnscope::analysis
