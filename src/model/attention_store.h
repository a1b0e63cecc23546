// The observer that keeps attention for later: all of it, or only chosen layers and heads, as
// f32 or f16 (half the memory, ~1e-3 relative precision). What is not chosen is never copied.
// Also the parser for layer/head selections as users type them ("0,2,5-7", "all").
//
//   KeepSpec keep;
//   keep.layers = parse_index_spec("0,2-3", model.config().num_hidden_layers, "layer");
//   keep.dtype = DType::kF16;
//   AttentionStore store(keep);
//   AttentionObserver* observers[] = {&store};
//   model.forward(input, observers);
//   Tensor layer2 = store.layer(2, /*sequence=*/0);   // [kept_head, query_pos, key_pos]
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/tensor.h"
#include "model/observer.h"

namespace attnscope {

// Which attention to keep. Empty lists mean "all".
struct KeepSpec {
  std::vector<int> layers;    // sorted, unique
  std::vector<int> heads;     // sorted, unique; the same heads in every kept layer
  DType dtype = DType::kF32;  // kF32 or kF16
};

// "all" / "*" / "" -> 0..count-1; "0,2,5-7" -> {0, 2, 5, 6, 7} (sorted, duplicates merged).
// InputError naming `what` ("layer", "head") for bad syntax or indices outside [0, count).
std::vector<int> parse_index_spec(std::string_view spec, int64_t count, std::string_view what);

class AttentionStore : public AttentionObserver {
 public:
  explicit AttentionStore(KeepSpec keep = {});
  void on_attention(const LayerAttention& attention) override;

  const KeepSpec& keep() const { return keep_; }
  // Layers stored so far, ascending.
  std::vector<int> layers() const;
  // Head indices kept for each stored layer (the model's heads when KeepSpec::heads is empty).
  std::vector<int> heads() const;
  int64_t num_sequences() const { return num_sequences_; }
  int64_t num_tokens() const { return num_tokens_; }
  bool has(int layer, int64_t sequence = 0) const;
  // [kept_head, query_pos, key_pos] as f32. InputError when not stored.
  Tensor layer(int layer, int64_t sequence = 0) const;
  // [kept_layer, kept_head, query_pos, key_pos] of one sequence.
  Tensor sequence(int64_t sequence = 0) const;
  // The attention mask the forward pass used for a sequence ([token], 1 = real).
  const std::vector<int64_t>& attention_mask(int64_t sequence = 0) const;
  // Bytes held.
  uint64_t bytes() const;
  void clear();

  // Bytes a store with `keep` will hold for a run (same accounting as bytes()).
  static uint64_t estimate_bytes(const KeepSpec& keep, int64_t num_layers, int64_t num_heads,
                                 int64_t batch, int64_t tokens);

 private:
  struct Entry {
    std::vector<float> f32;     // [kept_head, query_pos, key_pos]
    std::vector<uint16_t> f16;  // same, when keep_.dtype is kF16
  };
  KeepSpec keep_;
  std::vector<int> resolved_heads_;
  int64_t num_tokens_ = 0;
  int64_t num_sequences_ = 0;
  std::map<std::pair<int, int64_t>, Entry> entries_;  // (layer, sequence)
  std::map<int64_t, std::vector<int64_t>> masks_;     // sequence -> [token]
};

}  // namespace attnscope
