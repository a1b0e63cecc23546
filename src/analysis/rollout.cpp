#include "analysis/rollout.h"

#include <string>

#include "analysis/sequence_layout.h"
#include "core/error.h"

namespace attnscope::analysis {

void ResidualAttention::on_attention(const LayerAttention& attention) {
  if (attention.sequence != sequence_) return;
  const int64_t tokens = attention.num_tokens;
  if (static_cast<int64_t>(attention.probs.size()) != attention.num_heads * tokens * tokens) {
    throw ShapeError("layer " + std::to_string(attention.layer) + " attention",
                     {attention.num_heads, tokens, tokens},
                     {static_cast<int64_t>(attention.probs.size())});
  }
  const SequenceLayout layout(tokens, attention.attention_mask, attention.causal, {});
  if (layers_.empty()) {
    causal_ = attention.causal;
    padded_tokens_ = tokens;
    real_positions_ = layout.real_positions();
  } else if (tokens != padded_tokens_ || layout.real_positions() != real_positions_) {
    throw InputError("layer " + std::to_string(attention.layer) + " has " + std::to_string(tokens) +
                     " tokens; earlier layers had " + std::to_string(padded_tokens_));
  }
  const int64_t n = layout.size();
  std::vector<double> mean(n * n, 0.0);  // [query, key]
  RowGather rows(layout);
  for (int64_t head = 0; head < attention.num_heads; ++head) {
    const float* head_probs = attention.probs.data() + head * tokens * tokens;
    for (int64_t r = 0; r < n; ++r) {
      const auto keys = rows.row(head_probs, r);
      for (size_t k = 0; k < keys.size(); ++k) mean[r * n + k] += keys[k];
    }
  }
  std::vector<float> residual(n * n);  // [query, key]
  const double heads = static_cast<double>(attention.num_heads);
  for (int64_t r = 0; r < n; ++r) {
    double sum = 0;
    for (int64_t k = 0; k < n; ++k) {
      double v = 0.5 * mean[r * n + k] / heads + (r == k ? 0.5 : 0.0);
      mean[r * n + k] = v;
      sum += v;
    }
    for (int64_t k = 0; k < n; ++k) {
      residual[r * n + k] = static_cast<float>(sum > 0 ? mean[r * n + k] / sum : 0.0);
    }
  }
  layers_.push_back(std::move(residual));
}

int64_t default_target(int64_t n, bool causal) { return causal ? n - 1 : 0; }

int64_t resolve_target(std::optional<int64_t> position, const std::vector<int64_t>& real_positions,
                       int64_t padded_tokens, bool causal) {
  const int64_t n = static_cast<int64_t>(real_positions.size());
  if (n == 0) throw InputError("the sequence has no real tokens");
  if (!position) return default_target(n, causal);
  if (*position < 0 || *position >= padded_tokens) {
    throw InputError("--target " + std::to_string(*position) + " is outside the sequence [0, " +
                     std::to_string(padded_tokens) + ")");
  }
  for (int64_t r = 0; r < n; ++r) {
    if (real_positions[r] == *position) return r;
  }
  throw InputError("--target " + std::to_string(*position) + " is a padding position");
}

std::vector<double> rollout(const std::vector<std::vector<float>>& layers, int64_t n,
                            int64_t target) {
  if (target < 0 || target >= n) {
    throw InputError("rollout target " + std::to_string(target) + " is outside [0, " +
                     std::to_string(n) + ")");
  }
  std::vector<double> row(n, 0.0), next(n);  // [key] row `target` of the product so far
  row[target] = 1.0;
  for (auto layer = layers.rbegin(); layer != layers.rend(); ++layer) {
    std::fill(next.begin(), next.end(), 0.0);
    for (int64_t i = 0; i < n; ++i) {
      if (row[i] == 0) continue;
      const float* a = layer->data() + i * n;  // Â[i][·]
      for (int64_t j = 0; j < n; ++j) next[j] += row[i] * a[j];
    }
    row.swap(next);
  }
  return row;
}

}  // namespace attnscope::analysis
