#include "analysis/rollout.h"

#include <algorithm>
#include <string>

#include "analysis/sequence_layout.h"
#include "core/error.h"
#include "core/memory.h"
#include "ops/parallel.h"

namespace attnscope::analysis {

void ResidualAttention::on_attention_rows(const AttentionRows& rows) {
  if (rows.sequence != sequence_) return;
  const int64_t tokens = rows.num_tokens, heads = rows.num_heads;
  rows.check_shape();
  if (rows.query_begin == 0) {
    const SequenceLayout layout(tokens, rows.attention_mask, rows.causal, {});
    if (layers_.empty()) {
      causal_ = rows.causal;
      padded_tokens_ = tokens;
      real_positions_ = layout.real_positions();
    } else if (tokens != padded_tokens_ || layout.real_positions() != real_positions_) {
      throw InputError("layer " + std::to_string(rows.layer) + " has " + std::to_string(tokens) +
                       " tokens; earlier layers had " + std::to_string(padded_tokens_));
    }
    real_index_.resize(tokens);
    for (int64_t pos = 0; pos < tokens; ++pos) real_index_[pos] = layout.real_index(pos);
    const int64_t n = layout.size();
    pending_layer_ = rows.layer;
    pending_.assign(n * n, 0.0f);
  } else if (pending_layer_ != rows.layer) {
    throw InputError("layer " + std::to_string(rows.layer) + ": query rows from " +
                     std::to_string(rows.query_begin) +
                     " arrived without the rows before them (blocks must come in query order)");
  }
  const int64_t n = size();
  const double head_count = static_cast<double>(heads);
  // Each real query row of the block: its head mean (heads summed in order, in double), mixed
  // with the identity and re-normalised; rows are independent, so they run in parallel.
  ops::parallel_for(rows.rows(), 8, [&](int64_t first, int64_t last) {
    std::vector<double> mean(n);  // [key]
    for (int64_t q = rows.query_begin + first; q < rows.query_begin + last; ++q) {
      const int64_t r = real_index_[q];
      if (r < 0) continue;
      std::fill(mean.begin(), mean.end(), 0.0);
      const int64_t visible = rows.causal ? r + 1 : n;
      for (int64_t h = 0; h < heads; ++h) {
        const float* row = rows.row(h, q);  // [key_pos]
        for (int64_t k = 0; k < visible; ++k) mean[k] += row[real_positions_[k]];
      }
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) {
        mean[k] = 0.5 * mean[k] / head_count + (r == k ? 0.5 : 0.0);
        sum += mean[k];
      }
      float* out = pending_.data() + r * n;  // [key]
      for (int64_t k = 0; k < n; ++k) out[k] = static_cast<float>(sum > 0 ? mean[k] / sum : 0.0);
    }
  });
  if (rows.last()) {
    layers_.push_back(std::move(pending_));
    pending_ = {};
    pending_layer_ = -1;
  }
}

uint64_t ResidualAttention::kept_bytes(int64_t tokens, int64_t layers) const {
  // The kept matrices plus the one being filled.
  return residual_attention_bytes(layers + 1, tokens);
}

uint64_t residual_attention_bytes(int64_t layers, int64_t n) {
  return saturate_bytes(static_cast<long double>(layers) * n * n * sizeof(float));
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
