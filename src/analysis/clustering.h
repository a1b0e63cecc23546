// Agglomerative clustering with average linkage (UPGMA) on a distance matrix, reported in
// SciPy's linkage convention so scripts can compare with scipy.cluster.hierarchy: merge k joins
// clusters a < b (ids 0..N-1 are the leaves, N+k the cluster made by merge k) at `distance`
// into a cluster of `size` leaves. The distance between clusters is the mean of the leaf
// distances between them. Ties between equal distances go to the pair with the smallest
// (a, b) cluster ids.
//
//   Dendrogram d = average_linkage(distances, n);       // [n x n], symmetric
//   std::vector<int64_t> order = d.order;               // leaf order for heatmaps
//   auto groups = clusters_by_count(d, 4);              // or clusters_by_distance(d, 0.2)
#pragma once

#include <cstdint>
#include <vector>

namespace attnscope::analysis {

struct Merge {
  int64_t a = 0, b = 0;  // cluster ids, a < b
  double distance = 0;
  int64_t size = 0;
};

struct Dendrogram {
  int64_t leaves = 0;
  std::vector<Merge> merges;   // [N-1]
  std::vector<int64_t> order;  // leaves left to right (scipy's leaves_list)
};

// InputError for a matrix that is not n x n, not symmetric, negative or non-finite.
Dendrogram average_linkage(const std::vector<double>& distances, int64_t n);

// The clusters after the first N-K merges (scipy fcluster "maxclust"): each a sorted list of
// leaves, clusters ordered by their smallest leaf. InputError unless 1 <= count <= N.
std::vector<std::vector<int64_t>> clusters_by_count(const Dendrogram& dendrogram, int64_t count);
// The clusters joined by merges at distance <= threshold (fcluster "distance").
std::vector<std::vector<int64_t>> clusters_by_distance(const Dendrogram& dendrogram,
                                                       double threshold);

}  // namespace attnscope::analysis
