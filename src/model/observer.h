// How the forward pass hands out attention. Each layer's probabilities exist only while the
// layer runs: the forward pass calls every observer with them, then frees them. Observers keep
// what they need (a subset, f16 copies, running statistics), so memory is the caller's choice.
//
//   class RowSums : public AttentionObserver {
//     void on_attention(const LayerAttention& a) override { ... a.probs[...] ... }
//   };
//
// Long inputs: a whole layer is H·T² floats (32 heads at 8,192 tokens: 8 GiB). An observer that
// only reads query rows (statistics, raw importance, rollout, probes) derives from RowObserver
// instead; when every observer of a forward pass does, the pass computes attention one block of
// query rows at a time (all heads of that block) and never holds a whole layer, so memory grows
// with T·block, not H·T². A whole layer (a saved file, or a pass with a whole-layer observer) is
// handed to a RowObserver as one block.
//
//   class RowMax : public RowObserver {
//     void on_attention_rows(const AttentionRows& a) override {
//       for (int64_t h = 0; h < a.num_heads; ++h)
//         for (int64_t q = a.query_begin; q < a.query_end; ++q) ... a.row(h, q)[key_pos] ...
//     }
//   };
#pragma once

#include <cstdint>
#include <span>

namespace attnscope {

// One layer's attention for one sequence of the batch.
struct LayerAttention {
  int layer = 0;
  int64_t sequence = 0;    // index in the batch
  int64_t num_heads = 0;   // query heads (GQA/MQA kv heads already repeated)
  int64_t num_tokens = 0;  // T, the padded length of the batch
  bool causal = false;
  // [head, query_pos, key_pos], row-major, num_heads * T * T values; each row sums to 1;
  // masked entries (future keys, padded keys) are exactly 0.
  std::span<const float> probs;
  // [T]; 1 = real token, 0 = padding. Padded query rows are still computed (HF semantics).
  std::span<const int64_t> attention_mask;
  // A forward pass also lends this sequence's value vectors (x W_V + b_V, what the heads
  // average; norm-based importance needs them). Empty for saved attention. Key key_pos, kv head
  // g: values[key_pos * value_row_stride + g * head_dim + d], d < head_dim; query head h reads
  // kv head h / (num_heads / num_kv_heads) (GQA / MQA).
  std::span<const float> values;
  int64_t value_row_stride = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
};

// Query rows [query_begin, query_end) of one layer's attention for one sequence, every head.
// The blocks of one (layer, sequence) arrive in query order, one after the other, the last one
// ending at num_tokens, before any block of another (layer, sequence).
struct AttentionRows {
  int layer = 0;
  int64_t sequence = 0;
  int64_t num_heads = 0;
  int64_t num_tokens = 0;  // T
  bool causal = false;
  int64_t query_begin = 0;
  int64_t query_end = 0;
  // [head, query_pos - query_begin, key_pos]: num_heads * (query_end - query_begin) * T values,
  // the same rows as LayerAttention::probs holds for these queries.
  std::span<const float> probs;
  std::span<const int64_t> attention_mask;  // [T], as in LayerAttention

  int64_t rows() const { return query_end - query_begin; }
  bool last() const { return query_end == num_tokens; }
  // ShapeError naming the layer unless the query range lies in [0, T] and probs holds
  // num_heads * rows() * T values: what every row observer checks before reading.
  void check_shape() const;
  // Row of query `query_pos` (in [query_begin, query_end)) of `head`: [key_pos], T values.
  const float* row(int64_t head, int64_t query_pos) const {
    return probs.data() + (head * rows() + (query_pos - query_begin)) * num_tokens;
  }
};

class AttentionObserver {
 public:
  virtual ~AttentionObserver() = default;
  virtual void on_attention(const LayerAttention& attention) = 0;
  // True for observers that accept blocks of query rows (RowObserver).
  virtual bool takes_rows() const { return false; }
  virtual void on_attention_rows(const AttentionRows& rows) { (void)rows; }
  // Bytes the observer will keep after a forward pass over `tokens` tokens of a `layers`-layer
  // model (memory guards add it to the forward pass's own); 0 for running sums.
  virtual uint64_t kept_bytes(int64_t tokens, int64_t layers) const {
    (void)tokens;
    (void)layers;
    return 0;
  }
};

// An observer that reads attention by blocks of query rows (see the top of this file).
class RowObserver : public AttentionObserver {
 public:
  bool takes_rows() const final { return true; }
  // A whole layer, as one block of every query row. Throws ShapeError when probs does not hold
  // num_heads * T * T values.
  void on_attention(const LayerAttention& attention) final;
  void on_attention_rows(const AttentionRows& rows) override = 0;
};

class Progress;

// Advances `progress` once per finished layer of sequence 0 (a row observer, so counting never
// makes the forward pass hold a whole layer).
class LayerProgress : public RowObserver {
 public:
  explicit LayerProgress(Progress& progress) : progress_(progress) {}
  void on_attention_rows(const AttentionRows& rows) override;

 private:
  Progress& progress_;
};

// The whole layer as one block (no copy). ShapeError when the sizes do not match.
AttentionRows whole_layer_rows(const LayerAttention& attention);

}  // namespace attnscope
