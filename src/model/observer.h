// How the forward pass hands out attention. Each layer's probabilities exist only while the
// layer runs: the forward pass calls every observer with them, then frees them. Observers keep
// what they need (a subset, f16 copies, running statistics), so memory is the caller's choice.
//
//   class RowSums : public AttentionObserver {
//     void on_attention(const LayerAttention& a) override { ... a.probs[...] ... }
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

class AttentionObserver {
 public:
  virtual ~AttentionObserver() = default;
  virtual void on_attention(const LayerAttention& attention) = 0;
};

}  // namespace attnscope
