// The reference forward: the same model as Model::forward written as plainly as possible, one
// token and one head at a time with explicit loops and no BLAS, so that it can be read top to
// bottom and trusted as a second oracle in tests (random weights, every architecture). It follows
// the same block description (config.h) as the fast path, one knob at a time.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "model/model.h"
#include "ops/activation.h"
#include "ops/alibi.h"
#include "ops/norm.h"
#include "ops/rotary.h"
#include "ops/softmax.h"

namespace attnscope {
namespace {

using Vec = std::vector<float>;

// out[o] = sum_i weight[o][i] · in[i] + bias[o]; weight [out, in].
Vec matvec(const Weight& stored, const Tensor& bias, const Vec& in) {
  const Tensor weight = stored.to_tensor();  // f32 [out, in], whatever the storage
  const int64_t rows = weight.dim(0), cols = weight.dim(1);
  Vec out(rows);
  for (int64_t o = 0; o < rows; ++o) {
    double sum = 0.0;
    for (int64_t i = 0; i < cols; ++i)
      sum += static_cast<double>(weight.data()[o * cols + i]) * in[i];
    out[o] = static_cast<float>(sum) + (bias.empty() ? 0.0f : bias.data()[o]);
  }
  return out;
}

// LayerNorm or RMSNorm of one vector; weight / bias empty when the norm has none.
Vec normalize(const ModelConfig& c, const Tensor& weight, const Tensor& bias, const Vec& in) {
  Vec out(in.size());
  const auto eps = static_cast<float>(c.norm_eps());
  const auto dim = static_cast<int64_t>(in.size());
  if (c.norm == NormKind::kLayerNorm) {
    ops::layer_norm(in.data(), 1, dim, weight.empty() ? nullptr : weight.data(),
                    bias.empty() ? nullptr : bias.data(), eps, out.data());
  } else {
    ops::rms_norm(in.data(), 1, dim, weight.data(), eps, ops::RmsWeight::kPlain, out.data());
  }
  return out;
}

Vec add(const Vec& a, const Vec& b) {
  Vec out(a.size());
  for (size_t i = 0; i < a.size(); ++i) out[i] = a[i] + b[i];
  return out;
}

// Self-attention of one sequence: x [token][hidden] -> [token][hidden].
std::vector<Vec> attention(const ModelConfig& c, const LayerWeights& lw, int layer,
                           int64_t sequence, const std::vector<Vec>& x,
                           const std::vector<int64_t>& mask,
                           std::span<AttentionObserver* const> observers) {
  const int64_t T = static_cast<int64_t>(x.size()), hd = c.head_dim;
  const int64_t heads = c.num_attention_heads, kv_heads = c.num_key_value_heads;
  // Project every token: qkv[t] = [q heads | k heads | v heads].
  std::vector<Vec> qkv(T);
  for (int64_t t = 0; t < T; ++t) qkv[t] = matvec(lw.qkv_weight, lw.qkv_bias, x[t]);
  if (c.clip_qkv > 0.0) {  // OLMo: q, k, v clamped to [-clip_qkv, clip_qkv]
    const auto clip = static_cast<float>(c.clip_qkv);
    for (Vec& row : qkv) {
      for (float& v : row) v = std::clamp(v, -clip, clip);
    }
  }
  if (c.qk_norm == QkNorm::kPerHeadLayerNorm) {  // StableLM: LayerNorm per head over head_dim
    const auto eps = static_cast<float>(c.layer_norm_eps);
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t h = 0; h < heads; ++h) {
        float* q = &qkv[t][h * hd];
        ops::layer_norm(q, 1, hd, lw.q_norm_weight.data() + h * hd, nullptr, eps, q);
      }
      for (int64_t h = 0; h < kv_heads; ++h) {
        float* k = &qkv[t][c.q_dim() + h * hd];
        ops::layer_norm(k, 1, hd, lw.k_norm_weight.data() + h * hd, nullptr, eps, k);
      }
    }
  }
  if (c.position == PositionKind::kRotary) {
    const ops::RotaryTable table = rotary_table(c, T);  // rope_scaling applied
    const auto rotate =
        c.rotary_style == RotaryStyle::kHalves ? ops::apply_rotary : ops::apply_rotary_interleaved;
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t h = 0; h < heads; ++h) rotate(&qkv[t][h * hd], table, t);
      for (int64_t h = 0; h < kv_heads; ++h) rotate(&qkv[t][c.q_dim() + h * hd], table, t);
    }
  }
  const std::vector<float> slopes = c.position == PositionKind::kAlibi
                                        ? ops::alibi_slopes(heads)
                                        : std::vector<float>();  // [head]
  const int64_t window = c.window(layer);
  Vec probs(heads * T * T);  // [head, query_pos, key_pos]
  std::vector<Vec> context(T, Vec(c.q_dim(), 0.0f));
  const double scale = c.attention_scale(layer);
  for (int64_t h = 0; h < heads; ++h) {
    const int64_t kv = h / (heads / kv_heads);  // GQA: query heads share kv heads in groups
    for (int64_t i = 0; i < T; ++i) {
      float* row = &probs[(h * T + i) * T];  // [key_pos]
      for (int64_t j = 0; j < T; ++j) {
        // Window W: the query and the W keys before it are visible, keys W + 1 or more
        // positions back are masked.
        const bool visible =
            (!c.causal || j <= i) && mask[j] != 0 && (window == kNoWindow || i - j <= window);
        if (!visible) {
          row[j] = -std::numeric_limits<float>::infinity();
          continue;
        }
        double dot = 0.0;
        for (int64_t d = 0; d < hd; ++d) {
          dot += static_cast<double>(qkv[i][h * hd + d]) * qkv[j][c.q_dim() + kv * hd + d];
        }
        row[j] = static_cast<float>(dot * scale);
        if (!slopes.empty()) row[j] += slopes[h] * static_cast<float>(j);  // ALiBi
      }
      ops::softmax_rows(row, 1, T);
      for (int64_t j = 0; j < T; ++j) {
        for (int64_t d = 0; d < hd; ++d) {
          context[i][h * hd + d] += row[j] * qkv[j][c.q_dim() + c.kv_dim() + kv * hd + d];
        }
      }
    }
  }
  Vec values(T * c.kv_dim());  // [key_pos, kv head · head_dim]
  for (int64_t t = 0; t < T; ++t) {
    std::copy(qkv[t].begin() + c.q_dim() + c.kv_dim(), qkv[t].end(),
              values.begin() + t * c.kv_dim());
  }
  LayerAttention view;
  view.layer = layer;
  view.sequence = sequence;
  view.num_heads = heads;
  view.num_tokens = T;
  view.causal = c.causal;
  view.probs = probs;
  view.attention_mask = mask;
  view.values = values;
  view.value_row_stride = c.kv_dim();
  view.num_kv_heads = kv_heads;
  view.head_dim = hd;
  for (AttentionObserver* observer : observers) observer->on_attention(view);

  std::vector<Vec> out(T);
  for (int64_t t = 0; t < T; ++t) out[t] = matvec(lw.attn_out_weight, lw.attn_out_bias, context[t]);
  return out;
}

// down(act(gate(x)) · up(x)) of one expert.
Vec expert(const ModelConfig& c, const ExpertWeights& e, const Vec& x) {
  Vec gate = matvec(e.gate_weight, Tensor(), x);
  const Vec up = matvec(e.up_weight, Tensor(), x);
  for (size_t i = 0; i < gate.size(); ++i) gate[i] = ops::activate(c.activation, gate[i]) * up[i];
  return matvec(e.down_weight, Tensor(), gate);
}

// Mixture of experts: p = softmax(router(x)); the top_k experts by p, weighted by p (divided by
// the sum of the chosen p when renormalised); plus sigmoid(shared_gate(x)) · shared_expert(x).
Vec moe(const ModelConfig& c, const LayerWeights& lw, const Vec& x) {
  Vec p = matvec(lw.router_weight, Tensor(), x);  // [experts]
  ops::softmax_rows(p.data(), 1, static_cast<int64_t>(p.size()));
  std::vector<int64_t> chosen;
  for (int64_t k = 0; k < c.moe.top_k; ++k) {
    int64_t best = -1;
    for (int64_t e = 0; e < static_cast<int64_t>(p.size()); ++e) {
      const bool taken = std::find(chosen.begin(), chosen.end(), e) != chosen.end();
      if (!taken && (best < 0 || p[e] > p[best])) best = e;
    }
    chosen.push_back(best);
  }
  float sum = 0.0f;
  for (int64_t e : chosen) sum += p[e];
  Vec out(x.size(), 0.0f);
  std::sort(chosen.begin(), chosen.end());  // experts are added in index order
  for (int64_t e : chosen) {
    const float weight = c.moe.weighting == ExpertWeighting::kRenormalised ? p[e] / sum : p[e];
    const Vec y = expert(c, lw.experts[e], x);
    for (size_t d = 0; d < out.size(); ++d) out[d] += y[d] * weight;
  }
  if (c.moe.shared_expert_intermediate_size > 0) {
    const float g = matvec(lw.shared_expert_gate_weight, Tensor(), x)[0];
    const float gate = 1.0f / (1.0f + std::exp(-g));
    const Vec y = expert(c, lw.shared_expert, x);
    for (size_t d = 0; d < out.size(); ++d) out[d] += gate * y[d];
  }
  return out;
}

Vec mlp(const ModelConfig& c, const LayerWeights& lw, int64_t layer, const Vec& x) {
  if (c.layer_is_sparse(layer)) return moe(c, lw, x);
  Vec up = matvec(lw.mlp_up_weight, lw.mlp_up_bias, x);  // [intermediate]
  if (c.mlp != MlpKind::kPlain) {
    Vec gate = matvec(lw.mlp_gate_weight, lw.mlp_gate_bias, x);
    for (size_t i = 0; i < up.size(); ++i) up[i] = ops::activate(c.activation, gate[i]) * up[i];
  } else {
    for (float& v : up) v = ops::activate(c.activation, v);
  }
  return matvec(lw.mlp_down_weight, lw.mlp_down_bias, up);  // [hidden]
}

}  // namespace

ForwardResult reference_forward(const ModelConfig& c, const ModelWeights& w,
                                const ForwardInput& input,
                                std::span<AttentionObserver* const> observers,
                                const ForwardOptions& options) {
  validate_forward_input(c, w, input, options);
  const int64_t B = input.batch, T = input.tokens, D = c.hidden_size, L = c.num_hidden_layers;
  const std::vector<int64_t> positions = position_ids(c, input);  // [batch, token]
  ForwardResult result;
  if (options.hidden_states) result.hidden_states = Tensor({B, L + 1, T, D});
  if (options.logits) result.logits = Tensor({B, T, c.vocab_size});
  auto record = [&](int64_t b, int64_t index, const std::vector<Vec>& x) {
    if (!options.hidden_states) return;
    for (int64_t t = 0; t < T; ++t) {
      std::copy(x[t].begin(), x[t].end(), &result.hidden_states.at({b, index, t, 0}));
    }
  };

  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> mask(T, 1);  // [key_pos]
    if (!input.attention_mask.empty()) {
      mask.assign(input.attention_mask.begin() + b * T, input.attention_mask.begin() + (b + 1) * T);
    }
    // Embeddings: x [token][hidden].
    std::vector<Vec> x(T, Vec(D));
    for (int64_t t = 0; t < T; ++t) {
      const int64_t n = b * T + t;
      for (int64_t i = 0; i < D; ++i) {
        float v = w.token_embedding.at({input.ids[n], i});
        if (!w.token_type_embedding.empty()) {
          v += w.token_type_embedding.at(
              {input.token_type_ids.empty() ? 0 : input.token_type_ids[n], i});
        }
        if (c.position == PositionKind::kAbsolute) {
          v += w.position_embedding.at({positions[n] + c.position_offset, i});
        }
        x[t][i] = v * c.embedding_scale;
      }
      if (c.embedding_norm)
        x[t] = normalize(c, w.embedding_norm_weight, w.embedding_norm_bias, x[t]);
    }
    record(b, 0, x);

    for (int64_t layer = 0; layer < L; ++layer) {
      const LayerWeights& lw = w.layers[layer];
      if (c.norm_placement == NormPlacement::kPostNorm) {
        // BERT: x = norm1(attn(x) + x); x = norm2(mlp(x) + x)
        const std::vector<Vec> a = attention(c, lw, static_cast<int>(layer), b, x, mask, observers);
        for (int64_t t = 0; t < T; ++t) {
          x[t] = normalize(c, lw.attn_norm_weight, lw.attn_norm_bias, add(a[t], x[t]));
          x[t] = normalize(c, lw.mlp_norm_weight, lw.mlp_norm_bias,
                           add(mlp(c, lw, layer, x[t]), x[t]));
        }
      } else {
        std::vector<Vec> h(T);
        for (int64_t t = 0; t < T; ++t)
          h[t] = normalize(c, lw.attn_norm_weight, lw.attn_norm_bias, x[t]);
        const std::vector<Vec> a = attention(c, lw, static_cast<int>(layer), b, h, mask, observers);
        for (int64_t t = 0; t < T; ++t) {
          if (c.residual == ResidualKind::kParallel) {
            // x = mlp(norm2(x)) + attn(norm1(x)) + x
            const Vec m =
                mlp(c, lw, layer, normalize(c, lw.mlp_norm_weight, lw.mlp_norm_bias, x[t]));
            x[t] = add(add(m, a[t]), x[t]);
          } else if (c.residual == ResidualKind::kParallelSharedNorm) {
            // x = mlp(norm1(x)) + attn(norm1(x)) + x
            x[t] = add(add(mlp(c, lw, layer, h[t]), a[t]), x[t]);
          } else {
            // x = x + attn(norm1(x)); x = x + mlp(norm2(x))
            x[t] = add(x[t], a[t]);
            x[t] = add(x[t],
                       mlp(c, lw, layer, normalize(c, lw.mlp_norm_weight, lw.mlp_norm_bias, x[t])));
          }
        }
      }
      if (layer + 1 < L || !c.final_norm) record(b, layer + 1, x);
    }
    if (c.final_norm) {
      for (int64_t t = 0; t < T; ++t)
        x[t] = normalize(c, w.final_norm_weight, w.final_norm_bias, x[t]);
      record(b, L, x);
    }
    if (options.logits) {
      for (int64_t t = 0; t < T; ++t) {
        const Vec logits = matvec(w.lm_head(), w.lm_head_bias, x[t]);  // [vocab]
        std::copy(logits.begin(), logits.end(), &result.logits.at({b, t, 0}));
      }
    }
  }
  return result;
}

}  // namespace attnscope
