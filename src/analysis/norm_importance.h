// Norm-based token importance (Kobayashi et al. 2020; METRICS.md "Token importance"): what a
// head moves from key j to query i is A[i][j] · f(x_j), f(x_j) = (x_j W_V + b_V) W_O^{head}
// (the head's slice of the output projection), so its size is ‖A[i][j] · f(x_j)‖ =
// A[i][j] · ‖f(x_j)‖. The score of j is the mean over layers, heads and real query rows, then
// normalised to sum to 1 over the tokens. The value vectors come from the forward pass
// (LayerAttention::values, one layer at a time); W_O from the model's weights. GQA/MQA: query
// head h reads kv head h / (heads / kv_heads), and W_O's slice is the query head's.
//
//   NormImportance norm(model);
//   AttentionObserver* observers[] = {&norm};
//   model.forward(ForwardInput::single(ids), observers);
//   std::vector<double> scores = norm.scores();   // [T], 0 on padding
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "model/model.h"
#include "model/observer.h"

namespace attnscope::analysis {

class NormImportance : public AttentionObserver {
 public:
  // `layers` / `heads`: model layer and head numbers that take part; empty = all.
  explicit NormImportance(const Model& model, int64_t sequence = 0, std::set<int> layers = {},
                          std::set<int> heads = {});
  // UnsupportedError when the attention carries no value vectors (a saved file).
  void on_attention(const LayerAttention& attention) override;
  // [T] summing to 1 over real tokens. InputError when nothing was seen.
  std::vector<double> scores() const;

  // ‖f(x_j)‖ of the last layer seen, [head, key_pos] over the padded sequence (for tests).
  const std::vector<double>& last_value_norms() const { return value_norms_; }

 private:
  const Model& model_;
  int64_t sequence_;
  std::set<int> layers_, heads_;
  std::vector<double> received_;  // [key_pos]
  std::vector<double> value_norms_;
};

}  // namespace attnscope::analysis
