// Head similarity (Clark et al. 2019, §6; METRICS.md "Head similarity"): the distance between
// heads a and b is the mean over texts, and over the real query rows i of each text, of the
// Jensen–Shannon divergence JS(A_a[i] ‖ A_b[i]) = ½ KL(A_a[i] ‖ M) + ½ KL(A_b[i] ‖ M),
// M = ½ (A_a[i] + A_b[i]), natural log, so in [0, ln 2].
//
// Memory: a distance compares heads of different layers, so HeadSimilarity keeps every selected
// head of the current text (its real rows, H·L·n² floats for all heads), computes that text's
// N x N row means in end_text(), and frees them; across texts it holds only the N x N sums.
//
//   HeadSimilarity sim;                      // all layers and heads
//   for (text : texts) { source.run(text, {&sim}); sim.end_text(); }
//   std::vector<double> d = sim.distances(); // [N x N], heads in sim.heads() order
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include "model/observer.h"

namespace attnscope::analysis {

// JS divergence of two distributions of equal length (natural log; 0·ln 0 = 0).
double js_divergence(std::span<const float> p, std::span<const float> q);

struct HeadId {
  int layer = 0;
  int head = 0;
  friend bool operator==(const HeadId&, const HeadId&) = default;
};

class HeadSimilarity : public AttentionObserver {
 public:
  // Model layer and head numbers to include; empty = all.
  explicit HeadSimilarity(std::set<int> layers = {}, std::set<int> heads = {});
  void on_attention(const LayerAttention& attention) override;
  // Closes the current text: adds its mean JS per pair. InputError when its heads differ from
  // the first text's.
  void end_text();

  int64_t texts() const { return texts_; }
  const std::vector<HeadId>& heads() const { return heads_; }
  // [N x N] row-major, mean over texts; symmetric with a zero diagonal. InputError before any
  // text ended.
  std::vector<double> distances() const;

 private:
  std::set<int> layer_filter_, head_filter_;
  int64_t texts_ = 0;
  std::vector<HeadId> heads_;             // fixed by the first text
  std::vector<HeadId> current_heads_;     // this text's, in arrival order
  std::vector<std::vector<float>> rows_;  // [head] n x n real rows (invisible keys 0)
  int64_t n_ = -1;
  std::vector<double> sums_;  // [N x N]
};

}  // namespace attnscope::analysis
