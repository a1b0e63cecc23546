// Attention rollout (Abnar & Zuidema 2020; METRICS.md "Token importance"): per layer
// Â_l = 0.5·mean_h A_l + 0.5·I with rows re-normalised to 1, R = Â_{L-1} · … · Â_0, and the
// score of token j is R[target][j]. Attention flow (flow.h) uses the same Â_l as edge capacities,
// so both start from ResidualAttention, an observer that keeps one n x n matrix per layer (the
// head mean: 1/H of the attention, over the n real tokens of one sequence). It takes blocks of
// query rows (a RowObserver), so the forward pass needs no whole layer; what it keeps is
// L·n² floats (at 8,192 tokens, 256 MiB per layer).
//
//   ResidualAttention residual;                  // sequence 0
//   model.forward(ForwardInput::single(ids), {&residual});
//   std::vector<double> r = rollout(residual.layers(), residual.size(),
//                                   default_target(residual.size(), residual.causal()));
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/observer.h"

namespace attnscope::analysis {

class ResidualAttention : public RowObserver {
 public:
  explicit ResidualAttention(int64_t sequence = 0) : sequence_(sequence) {}
  void on_attention_rows(const AttentionRows& rows) override;
  uint64_t kept_bytes(int64_t tokens, int64_t layers) const override;

  bool seen() const { return !layers_.empty(); }
  bool causal() const { return causal_; }
  int64_t padded_tokens() const { return padded_tokens_; }
  int64_t size() const { return static_cast<int64_t>(real_positions_.size()); }  // n
  // Padded position of real token r.
  const std::vector<int64_t>& real_positions() const { return real_positions_; }
  // Â_l, one per layer seen, in order: each [query, key] over real tokens, n x n.
  const std::vector<std::vector<float>>& layers() const { return layers_; }

 private:
  int64_t sequence_;
  bool causal_ = false;
  int64_t padded_tokens_ = 0;
  std::vector<int64_t> real_positions_;
  std::vector<std::vector<float>> layers_;
  // The layer whose blocks are arriving, and its n x n matrix so far.
  int pending_layer_ = -1;
  std::vector<int64_t> real_index_;  // [padded position] -> real index, -1 for padding
  std::vector<float> pending_;
};

// Bytes ResidualAttention keeps for `layers` layers of n real tokens (rollout and flow).
uint64_t residual_attention_bytes(int64_t layers, int64_t n);

// The default target among n real tokens: the last one for causal models, the first ([CLS])
// for encoders.
int64_t default_target(int64_t n, bool causal);

// The real-token index of padded position `position` (a --target value); InputError when it
// is out of range or padding. Without a value, default_target.
int64_t resolve_target(std::optional<int64_t> position, const std::vector<int64_t>& real_positions,
                       int64_t padded_tokens, bool causal);

// Row `target` of Â_{L-1} · … · Â_0 ([n], sums to 1), computed as a row vector times each
// layer from the last to the first: O(L·n²).
std::vector<double> rollout(const std::vector<std::vector<float>>& layers, int64_t n,
                            int64_t target);

}  // namespace attnscope::analysis
