#include "report/similarity_writer.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

namespace attnscope::report {
namespace {

std::string head_name(const analysis::HeadId& h) {
  return std::to_string(h.layer) + "." + std::to_string(h.head);
}

}  // namespace

nlohmann::ordered_json similarity_json(const analysis::HeadClusters& c) {
  const size_t n = c.heads.size();
  nlohmann::ordered_json heads = nlohmann::ordered_json::array();
  for (size_t k = 0; k < n; ++k) {
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    item["layer"] = c.heads[k].layer;
    item["head"] = c.heads[k].head;
    item["pattern"] = c.patterns[k];
    heads.push_back(std::move(item));
  }
  nlohmann::ordered_json distance = nlohmann::ordered_json::array();
  for (size_t a = 0; a < n; ++a) {
    distance.push_back(
        std::vector<double>(c.distance.begin() + a * n, c.distance.begin() + (a + 1) * n));
  }
  nlohmann::ordered_json merges = nlohmann::ordered_json::array();
  for (const analysis::Merge& m : c.dendrogram.merges) {
    merges.push_back({m.a, m.b, m.distance, m.size});
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["model"] = c.model;
  out["texts"] = c.texts;
  out["metric"] = "jensen_shannon";
  out["linkage"] = "average";
  out["heads"] = std::move(heads);
  out["distance"] = std::move(distance);
  out["order"] = c.dendrogram.order;
  out["merges"] = std::move(merges);
  out["cut"] = {{"kind", c.cut_kind}, {"value", c.cut_value}};
  out["clusters"] = c.clusters;
  out["cluster_patterns"] = c.cluster_patterns;
  return out;
}

void write_similarity_csv(std::ostream& out, const analysis::HeadClusters& c) {
  const size_t n = c.heads.size();
  std::vector<size_t> cluster_of(n, 0), place(n, 0);
  for (size_t k = 0; k < c.clusters.size(); ++k) {
    for (int64_t member : c.clusters[k]) cluster_of[member] = k;
  }
  for (size_t k = 0; k < c.dendrogram.order.size(); ++k) place[c.dendrogram.order[k]] = k;
  out << "index,layer,head,pattern,cluster,order\n";
  for (size_t k = 0; k < n; ++k) {
    out << k << "," << c.heads[k].layer << "," << c.heads[k].head << "," << c.patterns[k] << ","
        << cluster_of[k] << "," << place[k] << "\n";
  }
}

void write_similarity_table(std::ostream& out, const analysis::HeadClusters& c,
                            int64_t closest_pairs) {
  const size_t n = c.heads.size();
  char value[32];
  std::snprintf(value, sizeof(value), c.cut_kind == "count" ? "%.0f" : "%.4g", c.cut_value);
  out << "model: " << c.model << "   heads: " << n << "   texts: " << c.texts
      << "   distance: Jensen-Shannon (0 .. ln 2 = 0.6931), average linkage, cut: "
      << (c.cut_kind == "count" ? "into " : "at distance ") << value << "\n\n";
  for (size_t k = 0; k < c.clusters.size(); ++k) {
    const size_t size = c.clusters[k].size();
    // A head with no pattern (e.g. a one-token text, where every row is [1]) has no label.
    const std::string& pattern = c.cluster_patterns[k];
    out << "cluster " << k + 1 << " (" << size << (size == 1 ? " head" : " heads");
    if (!pattern.empty()) out << (size == 1 ? ", " : ", mostly ") << pattern;
    out << "):";
    for (int64_t member : c.clusters[k]) out << " " << head_name(c.heads[member]);
    out << "\n";
  }
  std::vector<std::tuple<double, size_t, size_t>> pairs;
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a + 1; b < n; ++b) pairs.emplace_back(c.distance[a * n + b], a, b);
  }
  std::sort(pairs.begin(), pairs.end());
  if (pairs.empty() || closest_pairs <= 0) return;
  out << "\nclosest pairs:\n";
  for (size_t k = 0; k < pairs.size() && static_cast<int64_t>(k) < closest_pairs; ++k) {
    const auto& [d, a, b] = pairs[k];
    std::snprintf(value, sizeof(value), "%.4f", d);
    out << "  " << head_name(c.heads[a]) << "  " << head_name(c.heads[b]) << "  " << value << "\n";
  }
  out << "\nleaf order:";
  for (int64_t leaf : c.dendrogram.order) out << " " << head_name(c.heads[leaf]);
  out << "\n";
}

}  // namespace attnscope::report
