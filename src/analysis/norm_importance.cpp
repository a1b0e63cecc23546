#include "analysis/norm_importance.h"

#include <cmath>
#include <string>

#include "analysis/sequence_layout.h"
#include "core/error.h"
#include "ops/gemm.h"

namespace attnscope::analysis {

NormImportance::NormImportance(const Model& model, int64_t sequence, std::set<int> layers,
                               std::set<int> heads)
    : model_(model), sequence_(sequence), layers_(std::move(layers)), heads_(std::move(heads)) {}

void NormImportance::on_attention(const LayerAttention& attention) {
  if (attention.sequence != sequence_) return;
  if (!layers_.empty() && layers_.count(attention.layer) == 0) return;
  if (attention.values.empty()) {
    throw UnsupportedError(
        "norm-based importance needs value vectors from a live forward pass; saved attention "
        "holds only the probabilities (use --model, or another method)");
  }
  const ModelConfig& c = model_.config();
  const int64_t T = attention.num_tokens, heads = attention.num_heads;
  const int64_t hd = attention.head_dim, hidden = c.hidden_size, q_dim = c.q_dim();
  if (attention.layer < 0 || attention.layer >= c.num_hidden_layers ||
      heads != c.num_attention_heads || hd != c.head_dim ||
      attention.num_kv_heads != c.num_key_value_heads) {
    throw InputError("layer " + std::to_string(attention.layer) +
                     " attention does not match the model's shape");
  }
  const int64_t group = heads / attention.num_kv_heads;
  // [hidden, q_dim] f32: in place when the checkpoint stores it so, else converted for this layer.
  const Weight& stored_w_o = model_.weights().layers[attention.layer].attn_out_weight;
  Tensor converted_w_o;
  const float* w_o = stored_w_o.f32_data();
  if (w_o == nullptr) {
    converted_w_o = stored_w_o.to_tensor();
    w_o = converted_w_o.data();
  }
  const SequenceLayout layout(T, attention.attention_mask, attention.causal, {});
  const int64_t n = layout.size();
  if (received_.empty()) received_.assign(T, 0.0);
  if (static_cast<int64_t>(received_.size()) != T) {
    throw InputError("layer " + std::to_string(attention.layer) + " has " + std::to_string(T) +
                     " tokens; earlier layers had " + std::to_string(received_.size()));
  }
  if (n == 0) return;
  value_norms_.assign(heads * T, 0.0);
  std::vector<float> f(T * hidden);  // [key_pos, hidden] f(x_j) of one head
  RowGather rows(layout);
  std::vector<double> column(n);  // [key] sum over real rows of A[i][j]
  for (int64_t h = 0; h < heads; ++h) {
    if (!heads_.empty() && heads_.count(static_cast<int>(h)) == 0) continue;
    const int64_t g = h / group;
    // f = V_g [key_pos, head_dim] · (W_O[:, head h's columns])^T [head_dim, hidden]: one GEMM.
    ops::gemm(false, true, T, hidden, hd, 1.0f, attention.values.data() + g * hd,
              attention.value_row_stride, w_o + h * hd, q_dim, 0.0f, f.data(), hidden);
    for (int64_t k = 0; k < n; ++k) {
      const int64_t j = layout.position(k);
      const float* row = f.data() + j * hidden;
      double norm2 = 0;
      for (int64_t o = 0; o < hidden; ++o) norm2 += static_cast<double>(row[o]) * row[o];
      value_norms_[h * T + j] = std::sqrt(norm2);
    }
    std::fill(column.begin(), column.end(), 0.0);
    for (int64_t r = 0; r < n; ++r) {
      const auto keys = rows.row(attention.probs.data() + h * T * T, r);
      for (size_t k = 0; k < keys.size(); ++k) column[k] += keys[k];
    }
    for (int64_t k = 0; k < n; ++k) {
      const int64_t j = layout.position(k);
      received_[j] += column[k] * value_norms_[h * T + j] / static_cast<double>(n);
    }
  }
}

std::vector<double> NormImportance::scores() const {
  if (received_.empty()) {
    throw InputError("no attention was seen for sequence " + std::to_string(sequence_));
  }
  std::vector<double> out = received_;
  double total = 0;
  for (double v : out) total += v;
  if (total > 0) {
    for (double& v : out) v /= total;
  }
  return out;
}

}  // namespace attnscope::analysis
