// Model::forward: the BLAS forward pass. One generic block written as named steps (embed, norm,
// attention, mlp, residual) that interprets the config's block description (config.h); post-norm
// blocks and pre-norm blocks (sequential, parallel or parallel with one shared norm) are the two
// block functions, and a mixture-of-experts MLP routes rows to experts with one sgemm per expert.
// Every projection is one sgemm over all batch·token rows; attention scores and context are one
// sgemm per (sequence, head), read in place from the fused qkv rows. BLAS threads the GEMMs; the
// element loops between them (softmax, activation, norms, residual adds) run on the same cores
// through ops::parallel_for.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "core/error.h"
#include "core/memory.h"
#include "model/forward_memory.h"
#include "model/model.h"
#include "ops/activation.h"
#include "ops/alibi.h"
#include "ops/gemm.h"
#include "ops/norm.h"
#include "ops/parallel.h"
#include "ops/rotary.h"
#include "ops/softmax.h"

namespace attnscope {
namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();

const float* data_or_null(const Tensor& t) { return t.empty() ? nullptr : t.data(); }

class ForwardPass {
 public:
  ForwardPass(const ModelConfig& config, const ModelWeights& weights, const ForwardInput& input,
              std::span<AttentionObserver* const> observers, const ForwardOptions& options)
      : c_(config),
        w_(weights),
        in_(input),
        observers_(observers),
        options_(options),
        rows_(input.batch * input.tokens) {
    const int64_t hidden = c_.hidden_size;
    x_.resize(rows_ * hidden);
    normed_.resize(rows_ * hidden);
    qkv_.resize(rows_ * c_.qkv_dim());
    context_.resize(rows_ * c_.q_dim());
    attn_out_.resize(rows_ * hidden);
    mlp_up_.resize(rows_ * c_.max_mlp_width());
    if (c_.mlp != MlpKind::kPlain) mlp_gate_.resize(rows_ * c_.max_mlp_width());
    mlp_out_.resize(rows_ * hidden);
    if (c_.mlp == MlpKind::kMoe) {
      router_.resize(rows_ * c_.moe.num_experts);
      moe_in_.resize(rows_ * hidden);
      moe_out_.resize(rows_ * hidden);
    }
    if (c_.position == PositionKind::kAlibi) slopes_ = ops::alibi_slopes(c_.num_attention_heads);
    // Row observers only (or none): attention by blocks of query rows; else whole layers.
    streaming_ = std::all_of(observers_.begin(), observers_.end(),
                             [](const AttentionObserver* o) { return o->takes_rows(); });
    block_rows_ = in_.tokens;
    if (streaming_) {
      block_rows_ = options_.attention_block_rows > 0
                        ? std::min(in_.tokens, options_.attention_block_rows)
                        : attention_block_rows(c_, in_.tokens);
    }
    block_rows_ = std::max<int64_t>(1, block_rows_);
    probs_.resize(c_.num_attention_heads * std::min(block_rows_, in_.tokens) * in_.tokens);
    key_bias_.resize(in_.tokens);
    mask_ = in_.attention_mask.empty() ? std::vector<int64_t>(rows_, 1) : in_.attention_mask;
    if (c_.position == PositionKind::kRotary) {
      rotary_.emplace(rotary_table(c_, in_.tokens));  // rope_scaling applied
    }
  }

  ForwardResult run() {
    const int64_t layers = c_.num_hidden_layers;
    if (options_.hidden_states) {
      result_.hidden_states = Tensor({in_.batch, layers + 1, in_.tokens, c_.hidden_size});
    }
    embed();
    record_hidden(0, x_.data());
    for (int64_t layer = 0; layer < layers; ++layer) {
      if (c_.norm_placement == NormPlacement::kPostNorm) {
        post_norm_block(static_cast<int>(layer));
      } else {
        pre_norm_block(static_cast<int>(layer));
      }
      if (layer + 1 < layers || !c_.final_norm) record_hidden(layer + 1, x_.data());
    }
    const float* last = x_.data();
    if (c_.final_norm) {
      norm(w_.final_norm_weight, w_.final_norm_bias, x_.data(), normed_.data());
      last = normed_.data();
      record_hidden(layers, last);
    }
    if (options_.logits) {
      result_.logits = Tensor({in_.batch, in_.tokens, c_.vocab_size});
      ops::linear(last, rows_, c_.hidden_size, w_.lm_head(), data_or_null(w_.lm_head_bias),
                  c_.vocab_size, result_.logits.data());
      check_finite_output(result_.logits.data(), result_.logits.numel(), "logits",
                          static_cast<int>(layers) - 1, c_.final_norm, true);
    }
    return std::move(result_);
  }

 private:
  // Step: token (+ token type) (+ absolute position) embeddings, scaled, normalised.
  void embed() {
    const int64_t hidden = c_.hidden_size;
    const std::vector<int64_t> positions =
        c_.position == PositionKind::kAbsolute ? position_ids(c_, in_) : std::vector<int64_t>();
    for (int64_t n = 0; n < rows_; ++n) {
      float* row = x_.data() + n * hidden;           // [hidden]
      w_.token_embedding.copy_row(in_.ids[n], row);  // converted from the stored dtype
      if (!w_.token_type_embedding.empty()) {
        w_.token_type_embedding.add_row(in_.token_type_ids.empty() ? 0 : in_.token_type_ids[n],
                                        row);
      }
      if (c_.position == PositionKind::kAbsolute) {
        w_.position_embedding.add_row(positions[n] + c_.position_offset, row);
      }
      if (c_.embedding_scale != 1.0f) {
        for (int64_t i = 0; i < hidden; ++i) row[i] *= c_.embedding_scale;
      }
    }
    if (c_.embedding_norm) {
      norm(w_.embedding_norm_weight, w_.embedding_norm_bias, x_.data(), x_.data());
    }
  }

  // Step: the config's norm over every row. `out` may be `in`. Weight and bias are empty when
  // the norm has none (NormAffine).
  void norm(const Tensor& weight, const Tensor& bias, const float* in, float* out) const {
    const auto eps = static_cast<float>(c_.norm_eps());
    switch (c_.norm) {
      case NormKind::kLayerNorm:
        ops::layer_norm(in, rows_, c_.hidden_size, data_or_null(weight), data_or_null(bias), eps,
                        out);
        break;
      case NormKind::kRmsNorm:
        ops::rms_norm(in, rows_, c_.hidden_size, weight.data(), eps, ops::RmsWeight::kPlain, out);
        break;
    }
  }

  // The keys a query may see by position: [begin, end). Causal models see no later key. A
  // window W (ModelConfig::window) keeps the query and the W keys before it (query_pos - key_pos
  // <= W); each family's preset converts its own convention into W.
  std::pair<int64_t, int64_t> visible_keys(int64_t window, int64_t query_pos) const {
    const int64_t end = c_.causal ? query_pos + 1 : in_.tokens;
    const int64_t begin = window != kNoWindow ? std::max<int64_t>(0, query_pos - window) : 0;
    return {begin, end};
  }

  // Padding of one sequence as an additive bias: key_bias_[key_pos] is 0 for a real token and
  // -inf for a padded one. Null when the sequence has no padding.
  const float* padding_bias(int64_t sequence) {
    const int64_t* mask = mask_.data() + sequence * in_.tokens;  // [key_pos]
    if (std::all_of(mask, mask + in_.tokens, [](int64_t m) { return m != 0; })) return nullptr;
    for (int64_t key_pos = 0; key_pos < in_.tokens; ++key_pos) {
      key_bias_[key_pos] = mask[key_pos] != 0 ? 0.0f : kMasked;
    }
    return key_bias_.data();
  }

  // Step: self-attention of `in` [rows, hidden] into attn_out_ [rows, hidden]; observers see
  // each sequence's probabilities.
  void attention(int layer, const LayerWeights& lw, const float* in) {
    const int64_t T = in_.tokens, hidden = c_.hidden_size, head_dim = c_.head_dim;
    const int64_t heads = c_.num_attention_heads;
    const int64_t qkv_dim = c_.qkv_dim(), q_dim = c_.q_dim();
    // qkv_ [rows, q heads | k heads | v heads]
    ops::linear(in, rows_, hidden, lw.qkv_weight, data_or_null(lw.qkv_bias), qkv_dim, qkv_.data());
    if (c_.clip_qkv > 0.0) {
      const auto clip = static_cast<float>(c_.clip_qkv);
      elementwise(rows_ * qkv_dim,
                  [&](int64_t i) { qkv_[i] = std::min(std::max(qkv_[i], -clip), clip); });
    }
    if (c_.qk_norm == QkNorm::kPerHeadLayerNorm) {
      const auto eps = static_cast<float>(c_.layer_norm_eps);
      ops::parallel_for(rows_, 16, [&](int64_t first, int64_t last) {
        for (int64_t n = first; n < last; ++n) {
          float* row = qkv_.data() + n * qkv_dim;
          for (int64_t h = 0; h < heads; ++h) {
            float* q = row + h * head_dim;
            ops::layer_norm(q, 1, head_dim, lw.q_norm_weight.data() + h * head_dim, nullptr, eps,
                            q);
          }
          for (int64_t h = 0; h < c_.num_key_value_heads; ++h) {
            float* k = row + q_dim + h * head_dim;
            ops::layer_norm(k, 1, head_dim, lw.k_norm_weight.data() + h * head_dim, nullptr, eps,
                            k);
          }
        }
      });
    }
    if (rotary_) {
      const auto rotate = c_.rotary_style == RotaryStyle::kHalves ? ops::apply_rotary
                                                                  : ops::apply_rotary_interleaved;
      for (int64_t n = 0; n < rows_; ++n) {
        const int64_t position = n % T;
        float* row = qkv_.data() + n * qkv_dim;
        for (int64_t h = 0; h < heads; ++h) rotate(row + h * head_dim, *rotary_, position);
        for (int64_t h = 0; h < c_.num_key_value_heads; ++h) {
          rotate(row + q_dim + h * head_dim, *rotary_, position);
        }
      }
    }
    const float scale = static_cast<float>(c_.attention_scale(layer));
    const int64_t window = c_.window(layer);
    for (int64_t b = 0; b < in_.batch; ++b) {
      const float* key_bias = padding_bias(b);  // [key_pos] or null
      const float* seq_qkv = qkv_.data() + b * T * qkv_dim;
      // Query rows [q0, q1) of every head at a time: the whole layer, or with row observers one
      // block of block_rows_ rows (observer.h).
      for (int64_t q0 = 0; q0 < T; q0 += block_rows_) {
        attention_block(layer, b, q0, std::min(T, q0 + block_rows_), seq_qkv, key_bias, scale,
                        window);
      }
    }
    ops::linear(context_.data(), rows_, q_dim, lw.attn_out_weight, data_or_null(lw.attn_out_bias),
                hidden, attn_out_.data());
  }

  // Query rows [q0, q1) of sequence b, every head: scores, softmax and context, then the
  // observers. probs_ holds [head, query_pos - q0, key_pos] (row stride T).
  void attention_block(int layer, int64_t b, int64_t q0, int64_t q1, const float* seq_qkv,
                       const float* key_bias, float scale, int64_t window) {
    const int64_t T = in_.tokens, head_dim = c_.head_dim, heads = c_.num_attention_heads;
    const int64_t group = heads / c_.num_key_value_heads;
    const int64_t qkv_dim = c_.qkv_dim(), q_dim = c_.q_dim(), kv_dim = c_.kv_dim();
    const int64_t rows = q1 - q0;
    // Keys any row of the block may see: a causal block needs none after its last query.
    const int64_t keys = c_.causal ? q1 : T;
    // Per head: q [query_pos, head_dim] from q0, k and v [key_pos, head_dim], read in place from
    // qkv_ (row stride qkv_dim); this head's scores / probabilities are probs_ [h] [rows, T].
    const auto q = [&](int64_t h) { return seq_qkv + q0 * qkv_dim + h * head_dim; };
    const auto k = [&](int64_t h) { return seq_qkv + q_dim + (h / group) * head_dim; };
    const auto v = [&](int64_t h) { return seq_qkv + q_dim + kv_dim + (h / group) * head_dim; };
    const auto scores = [&](int64_t h) { return probs_.data() + h * rows * T; };
    // The first row (head·T + query_pos) whose scores are not finite, if any: checked per row
    // from the softmax's own max and sum (no extra pass), reported after the heads.
    std::atomic<int64_t> first_bad_row{std::numeric_limits<int64_t>::max()};
    const auto softmax_rows = [&](int64_t first, int64_t last) {  // rows of [head·(q - q0)]
      for (int64_t row = first; row < last; ++row) {
        const int64_t h = row / rows, query_pos = q0 + row % rows;
        const auto [begin, end] = visible_keys(window, query_pos);
        float* scores_row = probs_.data() + row * T;  // [key_pos]
        if (!slopes_.empty()) {
          // ALiBi (BLOOM baddbmm): slope_h · key_pos + scale · q·k.
          const float slope = slopes_[h];
          for (int64_t j = begin; j < end; ++j) {
            scores_row[j] = slope * static_cast<float>(j) + scores_row[j];
          }
        }
        if (!ops::softmax_row_range(scores_row, T, begin, end, key_bias)) {
          const int64_t bad = h * T + query_pos;
          int64_t seen = first_bad_row.load();
          while (bad < seen && !first_bad_row.compare_exchange_weak(seen, bad)) {
          }
        }
      }
    };
    // A causal block that starts at query 0 is a lower triangle: the products may skip what lies
    // above the diagonal (the result is the same). Later blocks compute their few masked
    // entries, which the softmax sets to 0.
    const bool triangle = c_.causal && q0 == 0;
    const ops::Triangle scores_part = triangle ? ops::Triangle::kLowerResult : ops::Triangle::kNone;
    const ops::Triangle probs_part = triangle ? ops::Triangle::kLowerInput : ops::Triangle::kNone;
    // context_ [rows, q_dim]: each head writes its slice of this block's rows.
    const auto context = [&](int64_t h) {
      ops::gemm(false, false, rows, head_dim, keys, 1.0f, scores(h), T, v(h), qkv_dim, 0.0f,
                context_.data() + (b * T + q0) * q_dim + h * head_dim, q_dim, probs_part);
    };
    const auto head_scores = [&](int64_t h) {
      ops::gemm(false, true, rows, keys, head_dim, scale, q(h), qkv_dim, k(h), qkv_dim, 0.0f,
                scores(h), T, scores_part);
    };
    if (ops::gemm_runs_per_thread()) {
      // One head per task, start to end: its scores stay in cache from product to softmax to
      // product, and the small products do not pay for being split across the cores.
      ops::parallel_for(heads, 1, [&](int64_t first, int64_t last) {
        for (int64_t h = first; h < last; ++h) {
          head_scores(h);
          softmax_rows(h * rows, (h + 1) * rows);
          context(h);
        }
      });
    } else {
      // BLAS threads each product itself; the softmax rows are spread over the cores.
      for (int64_t h = 0; h < heads; ++h) head_scores(h);
      ops::parallel_for(heads * rows, std::max<int64_t>(1, 4096 / T), softmax_rows);
      for (int64_t h = 0; h < heads; ++h) context(h);
    }
    if (first_bad_row.load() != std::numeric_limits<int64_t>::max()) {
      report_non_finite(layer, b, first_bad_row.load() / T, first_bad_row.load() % T);
    }
    if (streaming_) {
      notify_rows(layer, b, q0, q1);
    } else {
      notify(layer, b);
    }
  }

  // Attention of (layer, head) stopped being finite: names the first non-finite weight of the
  // layers run so far (checked only now, so a healthy model never pays for the scan), else says
  // the scores overflowed.
  [[noreturn]] void report_non_finite(int layer, int64_t sequence, int64_t head,
                                      int64_t query_pos) const {
    std::string where = "layer " + std::to_string(layer) + ", head " + std::to_string(head);
    if (in_.batch > 1) where += " of sequence " + std::to_string(sequence);
    where += " (query position " + std::to_string(query_pos) + ")";
    const std::string weight = first_non_finite_weight(layer);
    if (!weight.empty()) {
      throw NumericError("attention of " + where + " is not finite: weight " + weight +
                         "; the checkpoint holds NaN or infinite values");
    }
    throw NumericError("attention of " + where +
                       " is not finite: the scores overflowed float32 (weights or activations "
                       "too large; every weight up to this layer is finite)");
  }

  // "<name> (NaN at element i)" for the first non-finite weight the pass has used up to and
  // including `layer`, or "".
  std::string first_non_finite_weight(int layer, bool final_norm = false,
                                      bool lm_head = false) const {
    auto check = [](const Tensor& t, const std::string& name) -> std::string {
      const float* p = t.data();
      for (int64_t i = 0; i < t.numel(); ++i) {
        if (!std::isfinite(p[i])) {
          return name + " (" + (std::isnan(p[i]) ? "NaN" : "infinity") + " at element " +
                 std::to_string(i) + ")";
        }
      }
      return "";
    };
    auto check_weight = [](const Weight& w, const std::string& name) -> std::string {
      const auto found = w.first_non_finite();
      if (!found) return "";
      return name + " (" + (std::isnan(found->second) ? "NaN" : "infinity") + " at element " +
             std::to_string(found->first) + ")";
    };
    // In order of use; each entry a Tensor or a Weight.
    struct Named {
      const Tensor* tensor;
      const Weight* weight;
      std::string name;
    };
    std::vector<Named> tensors = {{nullptr, &w_.token_embedding, "token embedding"},
                                  {nullptr, &w_.position_embedding, "position embedding"},
                                  {nullptr, &w_.token_type_embedding, "token type embedding"},
                                  {&w_.embedding_norm_weight, nullptr, "embedding norm weight"},
                                  {&w_.embedding_norm_bias, nullptr, "embedding norm bias"}};
    for (int l = 0; l <= layer && l < static_cast<int>(w_.layers.size()); ++l) {
      const LayerWeights& lw = w_.layers[l];
      const std::string p = " of layer " + std::to_string(l);
      tensors.push_back({&lw.attn_norm_weight, nullptr, "attention norm weight" + p});
      tensors.push_back({&lw.attn_norm_bias, nullptr, "attention norm bias" + p});
      tensors.push_back({nullptr, &lw.qkv_weight, "query/key/value weight" + p});
      tensors.push_back({&lw.qkv_bias, nullptr, "query/key/value bias" + p});
      tensors.push_back({nullptr, &lw.attn_out_weight, "attention output weight" + p});
      tensors.push_back({&lw.attn_out_bias, nullptr, "attention output bias" + p});
      tensors.push_back({&lw.mlp_norm_weight, nullptr, "MLP norm weight" + p});
      tensors.push_back({&lw.mlp_norm_bias, nullptr, "MLP norm bias" + p});
      tensors.push_back({nullptr, &lw.mlp_gate_weight, "MLP gate weight" + p});
      tensors.push_back({&lw.mlp_gate_bias, nullptr, "MLP gate bias" + p});
      tensors.push_back({nullptr, &lw.mlp_up_weight, "MLP up weight" + p});
      tensors.push_back({&lw.mlp_up_bias, nullptr, "MLP up bias" + p});
      tensors.push_back({nullptr, &lw.mlp_down_weight, "MLP down weight" + p});
      tensors.push_back({&lw.mlp_down_bias, nullptr, "MLP down bias" + p});
    }
    if (final_norm) {
      tensors.push_back({&w_.final_norm_weight, nullptr, "final norm weight"});
      tensors.push_back({&w_.final_norm_bias, nullptr, "final norm bias"});
    }
    if (lm_head && w_.has_lm_head()) tensors.push_back({nullptr, &w_.lm_head(), "output weight"});
    for (const Named& t : tensors) {
      std::string found =
          t.tensor != nullptr ? check(*t.tensor, t.name) : check_weight(*t.weight, t.name);
      if (!found.empty()) return found;
    }
    return "";
  }

  // The fields LayerAttention and AttentionRows share, for one sequence of one layer.
  template <typename View>
  View observer_view(int layer, int64_t sequence) const {
    View view;
    view.layer = layer;
    view.sequence = sequence;
    view.num_heads = c_.num_attention_heads;
    view.num_tokens = in_.tokens;
    view.causal = c_.causal;
    view.attention_mask =
        std::span<const int64_t>(mask_).subspan(sequence * in_.tokens, in_.tokens);
    return view;
  }

  void notify(int layer, int64_t sequence) const {
    auto view = observer_view<LayerAttention>(layer, sequence);
    view.probs = probs_;
    // v rows of this sequence, read in place from qkv_ [token, q | k | v].
    const int64_t qkv_dim = c_.qkv_dim();
    view.values = std::span<const float>(qkv_).subspan(
        sequence * in_.tokens * qkv_dim + c_.q_dim() + c_.kv_dim(),
        (in_.tokens - 1) * qkv_dim + c_.kv_dim());
    view.value_row_stride = qkv_dim;
    view.num_kv_heads = c_.num_key_value_heads;
    view.head_dim = c_.head_dim;
    for (AttentionObserver* observer : observers_) observer->on_attention(view);
  }

  void notify_rows(int layer, int64_t sequence, int64_t q0, int64_t q1) const {
    auto view = observer_view<AttentionRows>(layer, sequence);
    view.query_begin = q0;
    view.query_end = q1;
    view.probs = std::span<const float>(probs_).first(view.num_heads * (q1 - q0) * in_.tokens);
    for (AttentionObserver* observer : observers_) observer->on_attention_rows(view);
  }

  // Step: the MLP of `in` [rows, hidden] into mlp_out_ [rows, hidden].
  void mlp(int layer, const LayerWeights& lw, const float* in) {
    if (c_.layer_is_sparse(layer)) {
      moe(lw, in);
      return;
    }
    const int64_t hidden = c_.hidden_size, inter = c_.intermediate_size;
    ops::linear(in, rows_, hidden, lw.mlp_up_weight, data_or_null(lw.mlp_up_bias), inter,
                mlp_up_.data());
    float* activated = mlp_up_.data();  // [rows, intermediate]
    if (c_.mlp != MlpKind::kPlain) {
      ops::linear(in, rows_, hidden, lw.mlp_gate_weight, data_or_null(lw.mlp_gate_bias), inter,
                  mlp_gate_.data());
      ops::apply_gated_activation(c_.activation, mlp_gate_.data(), mlp_up_.data(), rows_ * inter);
      activated = mlp_gate_.data();
    } else {
      ops::apply_activation(c_.activation, activated, rows_ * inter);
    }
    ops::linear(activated, rows_, inter, lw.mlp_down_weight, data_or_null(lw.mlp_down_bias), hidden,
                mlp_out_.data());
  }

  // One gated expert over `count` gathered rows of `in`: down(act(gate(x)) · up(x)) into `out`.
  void expert(const ExpertWeights& e, int64_t width, const float* in, int64_t count, float* out) {
    const int64_t hidden = c_.hidden_size;
    ops::linear(in, count, hidden, e.gate_weight, nullptr, width, mlp_gate_.data());
    ops::linear(in, count, hidden, e.up_weight, nullptr, width, mlp_up_.data());
    ops::apply_gated_activation(c_.activation, mlp_gate_.data(), mlp_up_.data(), count * width);
    ops::linear(mlp_gate_.data(), count, width, e.down_weight, nullptr, hidden, out);
  }

  // Step: the mixture of experts of `in` [rows, hidden] into mlp_out_ [rows, hidden]. Router
  // probabilities softmax(router(x)) in f32, the top k kept (renormalised or not); each expert
  // runs on the rows routed to it and adds weight · expert(x), expert by expert (HF index_add_
  // order); then the shared expert times sigmoid(shared_gate(x)).
  void moe(const LayerWeights& lw, const float* in) {
    const int64_t hidden = c_.hidden_size, experts = c_.moe.num_experts, top_k = c_.moe.top_k;
    ops::linear(in, rows_, hidden, lw.router_weight, nullptr, experts, router_.data());
    ops::softmax_rows(router_.data(), rows_, experts);
    std::vector<std::vector<std::pair<int64_t, float>>> routed(experts);  // (row, weight)
    std::vector<int64_t> order(experts);
    for (int64_t n = 0; n < rows_; ++n) {
      const float* p = router_.data() + n * experts;
      for (int64_t e = 0; e < experts; ++e) order[e] = e;
      std::partial_sort(
          order.begin(), order.begin() + top_k, order.end(),
          [&](int64_t a, int64_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
      float sum = 0.0f;
      for (int64_t k = 0; k < top_k; ++k) sum += p[order[k]];
      for (int64_t k = 0; k < top_k; ++k) {
        const float weight =
            c_.moe.weighting == ExpertWeighting::kRenormalised ? p[order[k]] / sum : p[order[k]];
        routed[order[k]].emplace_back(n, weight);
      }
    }
    std::fill(mlp_out_.begin(), mlp_out_.end(), 0.0f);
    for (int64_t e = 0; e < experts; ++e) {
      const auto& rows = routed[e];
      if (rows.empty()) continue;
      const auto count = static_cast<int64_t>(rows.size());
      for (int64_t i = 0; i < count; ++i) {
        std::memcpy(moe_in_.data() + i * hidden, in + rows[i].first * hidden,
                    hidden * sizeof(float));
      }
      expert(lw.experts[e], c_.moe.expert_intermediate_size, moe_in_.data(), count,
             moe_out_.data());
      for (int64_t i = 0; i < count; ++i) {
        float* out = mlp_out_.data() + rows[i].first * hidden;
        const float* y = moe_out_.data() + i * hidden;
        for (int64_t d = 0; d < hidden; ++d) out[d] += y[d] * rows[i].second;
      }
    }
    if (c_.moe.shared_expert_intermediate_size > 0) {
      expert(lw.shared_expert, c_.moe.shared_expert_intermediate_size, in, rows_, moe_out_.data());
      std::vector<float> gate_row(hidden);  // [1, hidden], converted from the stored dtype
      lw.shared_expert_gate_weight.copy_row(0, gate_row.data());
      const float* g = gate_row.data();
      for (int64_t n = 0; n < rows_; ++n) {
        const float* row = in + n * hidden;
        double dot = 0.0;
        for (int64_t d = 0; d < hidden; ++d) dot += static_cast<double>(row[d]) * g[d];
        const float gate = 1.0f / (1.0f + std::exp(-static_cast<float>(dot)));
        float* out = mlp_out_.data() + n * hidden;
        const float* y = moe_out_.data() + n * hidden;
        for (int64_t d = 0; d < hidden; ++d) out[d] += gate * y[d];
      }
    }
  }

  // Block: x += attn(norm1(x)); x += mlp(norm2(x)), or the parallel forms
  // x = (mlp(norm2(x)) + attn(norm1(x))) + x and x = (mlp(norm1(x)) + attn(norm1(x))) + x.
  void pre_norm_block(int layer) {
    const LayerWeights& lw = w_.layers[layer];
    const int64_t size = rows_ * c_.hidden_size;
    norm(lw.attn_norm_weight, lw.attn_norm_bias, x_.data(), normed_.data());
    attention(layer, lw, normed_.data());
    if (c_.residual != ResidualKind::kSequential) {
      if (c_.residual == ResidualKind::kParallel) {
        norm(lw.mlp_norm_weight, lw.mlp_norm_bias, x_.data(), normed_.data());
      }
      mlp(layer, lw, normed_.data());
      elementwise(size, [&](int64_t i) { x_[i] = (mlp_out_[i] + attn_out_[i]) + x_[i]; });
      return;
    }
    elementwise(size, [&](int64_t i) { x_[i] += attn_out_[i]; });
    norm(lw.mlp_norm_weight, lw.mlp_norm_bias, x_.data(), normed_.data());
    mlp(layer, lw, normed_.data());
    elementwise(size, [&](int64_t i) { x_[i] += mlp_out_[i]; });
  }

  // Block (BERT family): x = norm1(attn(x) + x); x = norm2(mlp(x) + x).
  void post_norm_block(int layer) {
    const LayerWeights& lw = w_.layers[layer];
    const int64_t size = rows_ * c_.hidden_size;
    attention(layer, lw, x_.data());
    elementwise(size, [&](int64_t i) { attn_out_[i] += x_[i]; });
    norm(lw.attn_norm_weight, lw.attn_norm_bias, attn_out_.data(), x_.data());
    mlp(layer, lw, x_.data());
    elementwise(size, [&](int64_t i) { mlp_out_[i] += x_[i]; });
    norm(lw.mlp_norm_weight, lw.mlp_norm_bias, mlp_out_.data(), x_.data());
  }

  // f(i) for i in [0, count), spread over the cores (residual adds).
  template <typename F>
  static void elementwise(int64_t count, F f) {
    ops::parallel_for(count, 16384, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) f(i);
    });
  }

  // A requested output (hidden states, logits) is never written with NaN or infinity in it: the
  // first non-finite value names the first non-finite weight used up to it, like attention.
  // Scanned only when that output is asked for (its cost is one pass over the output).
  void check_finite_output(const float* p, int64_t count, const std::string& what, int layer,
                           bool final_norm, bool lm_head) const {
    int64_t bad = -1;
    for (int64_t i = 0; i < count; ++i) {
      if (!std::isfinite(p[i])) {
        bad = i;
        break;
      }
    }
    if (bad < 0) return;
    const std::string weight = first_non_finite_weight(layer, final_norm, lm_head);
    if (!weight.empty()) {
      throw NumericError(what + " is not finite: weight " + weight +
                         "; the checkpoint holds NaN or infinite values");
    }
    throw NumericError(what +
                       " is not finite: the activations overflowed float32 (every weight used up "
                       "to it is finite)");
  }

  // Copies `state` [batch·token, hidden] into hidden_states[:, index].
  void record_hidden(int64_t index, const float* state) {
    if (!options_.hidden_states) return;
    const int64_t per_sequence = in_.tokens * c_.hidden_size;
    const bool after_final_norm = c_.final_norm && index == c_.num_hidden_layers;
    check_finite_output(state, in_.batch * per_sequence,
                        "hidden state " + std::to_string(index) +
                            (after_final_norm ? " (after the final norm)" : ""),
                        static_cast<int>(index) - 1, after_final_norm, false);
    const int64_t layers_plus_one = c_.num_hidden_layers + 1;
    for (int64_t b = 0; b < in_.batch; ++b) {
      std::memcpy(result_.hidden_states.data() + (b * layers_plus_one + index) * per_sequence,
                  state + b * per_sequence, per_sequence * sizeof(float));
    }
  }

  const ModelConfig& c_;
  const ModelWeights& w_;
  const ForwardInput& in_;
  std::span<AttentionObserver* const> observers_;
  ForwardOptions options_;
  int64_t rows_;  // batch · tokens
  std::optional<ops::RotaryTable> rotary_;
  std::vector<int64_t> mask_;    // [batch, token]
  std::vector<float> x_;         // [batch·token, hidden] residual stream
  std::vector<float> normed_;    // [batch·token, hidden]
  std::vector<float> qkv_;       // [batch·token, q_dim + 2 kv_dim]
  std::vector<float> context_;   // [batch·token, q_dim]
  std::vector<float> attn_out_;  // [batch·token, hidden]
  std::vector<float> mlp_up_;    // [batch·token, intermediate]
  std::vector<float> mlp_gate_;  // [batch·token, intermediate], gated MLPs
  std::vector<float> mlp_out_;   // [batch·token, hidden]
  std::vector<float> router_;    // [batch·token, experts], MoE
  std::vector<float> moe_in_;    // [routed rows, hidden], MoE
  std::vector<float> moe_out_;   // [routed rows, hidden], MoE
  std::vector<float> slopes_;    // [head], ALiBi
  bool streaming_ = false;       // every observer takes rows: blocks of block_rows_ queries
  int64_t block_rows_ = 0;       // query rows per block (T for whole layers)
  std::vector<float> probs_;     // [head, query_pos - q0, key_pos] of one sequence
  std::vector<float> key_bias_;  // [key_pos] of one sequence: 0 or -inf (padding)
  ForwardResult result_;
};

}  // namespace

int64_t attention_block_rows(const ModelConfig& c, int64_t tokens) {
  constexpr long double kBlockBytes = 32.0L * 1024 * 1024;
  const long double row_bytes =
      std::max<long double>(1, static_cast<long double>(c.num_attention_heads) * tokens * 4);
  const long double rows = std::max<long double>(16, std::floor(kBlockBytes / row_bytes));
  return std::max<int64_t>(1, static_cast<int64_t>(std::min<long double>(rows, tokens)));
}

uint64_t forward_activation_bytes(const ModelConfig& c, int64_t batch, int64_t tokens,
                                  AttentionBuffer buffer) {
  // long double: an absurd length must give a huge estimate, not a wrapped-around small one.
  const long double t = tokens;
  const long double rows = static_cast<long double>(batch) * t;
  long double floats = rows * (4 * c.hidden_size + c.qkv_dim() + c.q_dim());
  floats += rows * c.max_mlp_width() * (c.mlp == MlpKind::kPlain ? 1 : 2);
  if (c.mlp == MlpKind::kMoe) floats += rows * (2 * c.hidden_size + c.moe.num_experts);
  const long double block_rows = buffer == AttentionBuffer::kRowBlocks
                                     ? static_cast<long double>(attention_block_rows(c, tokens))
                                     : t;
  floats += c.num_attention_heads * block_rows * t;
  if (c.position == PositionKind::kRotary) floats += t * c.rotary_dim();
  // The GEMM kernel's packed blocks, on each thread of the pool (the calling thread included).
  const long double scratch = static_cast<long double>(ops::gemm_scratch_bytes_per_thread()) *
                              std::max(1, ops::parallel_threads());
  return saturate_bytes(floats * sizeof(float) + rows * 2 * sizeof(int64_t) + scratch);
}

ForwardResult Model::forward(const ForwardInput& input,
                             std::span<AttentionObserver* const> observers,
                             const ForwardOptions& options) const {
  validate_forward_input(config_, weights_, input, options);
  return ForwardPass(config_, weights_, input, observers, options).run();
}

}  // namespace attnscope
