// The output of `attnscope similarity` (analysis/head_clusters.h) as JSON, CSV and a table.
// Stable JSON keys (docs/analysis.md): heads[] {layer, head, pattern}, distance (N x N in that
// order), order (leaf order, indices into heads), merges ([a, b, distance, size] rows, SciPy's
// linkage convention), clusters (lists of indices) with cluster_patterns beside them.
//
//   HeadClusters c = cluster_heads(source, inputs, {.cut = 4});
//   std::cout << similarity_json(c).dump(2);
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "analysis/head_clusters.h"

namespace attnscope::report {

nlohmann::ordered_json similarity_json(const analysis::HeadClusters& clusters);
// One row per head: index, layer, head, pattern, its cluster and its place in the leaf order.
void write_similarity_csv(std::ostream& out, const analysis::HeadClusters& clusters);
// The clusters with their members and dominant pattern, then the closest pairs of heads.
void write_similarity_table(std::ostream& out, const analysis::HeadClusters& clusters,
                            int64_t closest_pairs = 10);

}  // namespace attnscope::report
