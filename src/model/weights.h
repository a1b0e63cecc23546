// The weights of a loaded model under canonical names, whatever the checkpoint called them.
// Every ArchSpec maps its family's Hugging Face tensor names onto these, so the forward pass and
// the reference forward read one layout: linear weights are [out, in] like nn.Linear, and q, k,
// v are one fused matrix.
//
// Matrices and embeddings are `Weight`s: views of the tensor where it lies (normally inside the
// memory-mapped safetensors file), in its stored dtype, never copied. Fusing q/k/v, GPT-NeoX's
// regrouping and GPT-2's Conv1D [in, out] layout are descriptions of where the rows are, read by
// the GEMM kernels (ops::WeightView) as they are. Vectors (norm weights, biases) are small f32
// Tensors, converted at load.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/tensor.h"
#include "ops/gemm.h"

namespace attnscope {

class Weight {
 public:
  Weight() = default;
  // An f32 tensor held by the Weight itself (in-memory sources, tests, materialised copies).
  Weight(Tensor tensor);  // NOLINT(google-explicit-constructor): arch code assigns tensors
  // A tensor that lies in memory owned by `owner` (e.g. a mapped file, kept alive as long as
  // the Weight): `data` holds shape's elements of `dtype`, row-major.
  static Weight in_place(std::shared_ptr<const void> owner, const void* data, DType dtype,
                         Shape shape);
  // A GGUF tensor where it lies: rows of ggml type `type` (block-quantized or F32/F16/BF16),
  // `shape` in numpy order ([out, in] for a matrix). Quantized rows are dequantized by the GEMM
  // while it packs or streams them, and by copy_row for embedding lookups.
  static Weight in_place_ggml(std::shared_ptr<const void> owner, const void* data, GgmlType type,
                              Shape shape);

  // The logical shape: [out, in] for a matrix, whatever the storage.
  const Shape& shape() const { return shape_; }
  int64_t dim(size_t axis) const { return shape_.at(axis); }
  size_t rank() const { return shape_.size(); }
  int64_t numel() const { return parts_.empty() ? 0 : shape_numel(shape_); }
  bool empty() const { return parts_.empty(); }
  // The element type (kF32 for a block-quantized weight, whose parts carry their ggml types).
  DType dtype() const { return dtype_; }
  // True when the rows are ggml blocks (a quantized GGUF tensor, or parts of several types).
  bool quantized() const { return blocks_; }
  // True when the values are read where the source keeps them (no copy was made).
  bool is_view() const { return view_; }
  // The f32 array when the Weight is one contiguous f32 [out, in] block (no transpose, one
  // part), else null.
  const float* f32_data() const;
  // Address of the first element of the first part (tests check it lies inside the mapping).
  const void* first_data() const { return parts_.empty() ? nullptr : parts_[0].data; }

  // Element (row, col) of the logical [out, in] matrix (or element i of a vector), as f32.
  float at(std::initializer_list<int64_t> index) const;
  // out[0, cols) = row r, as f32 (embedding lookups).
  void copy_row(int64_t r, float* out) const;
  // out[i] += row r [i].
  void add_row(int64_t r, float* out) const;
  // The whole logical tensor as f32 (the reference forward, materialised copies).
  Tensor to_tensor() const;
  // Same, as a Tensor (vectors: norm weights and biases are kept as f32 Tensors).
  operator Tensor() const { return to_tensor(); }  // NOLINT(google-explicit-constructor)
  // Index and value of the first NaN or infinity, if any.
  std::optional<std::pair<int64_t, float>> first_non_finite() const;

  // What the GEMM reads (ops::linear). Only for matrices.
  ops::WeightView view() const;
  operator ops::WeightView() const { return view(); }  // NOLINT(google-explicit-constructor)

  // Load-time rearrangements that copy nothing (an empty Weight, from a recording
  // WeightReader, stays empty):
  // A stored [a, b] matrix read as its transpose [b, a] (GPT-2's Conv1D [in, out]).
  Weight transposed() const;
  // Rows of several [rows_i, cols] matrices stacked into [sum rows_i, cols].
  static Weight stack_rows(std::initializer_list<const Weight*> parts);
  // Each group of `group` rows read as its even rows, then its odd rows (a stride over the stored
  // rows, nothing copied): llama.cpp's converter stores a q/k head's Hugging Face rows
  // (i, i + d/2) as rows (2i, 2i + 1); interleaved_halves(d) reads them back in Hugging Face
  // order. One stored [rows, cols] tensor only.
  Weight interleaved_halves(int64_t group) const;
  // The rows [first, first + count) of each range, in order, as one matrix.
  Weight select_rows(const std::vector<std::pair<int64_t, int64_t>>& ranges) const;

 private:
  void vector_to_f32(int64_t count, float* out) const;  // a 1-D weight's values

  Shape shape_;
  DType dtype_ = DType::kF32;
  bool in_out_ = false;  // stored [in, out]
  bool blocks_ = false;  // ops::WeightView::blocks: rows of ggml types, per part
  bool view_ = false;
  std::vector<ops::WeightPart> parts_;
  std::vector<std::shared_ptr<const void>> owners_;
};

// One gated expert of a mixture-of-experts MLP: down(act(gate(x)) · up(x)), no biases.
struct ExpertWeights {
  Weight gate_weight;  // [expert_intermediate, hidden]
  Weight up_weight;    // [expert_intermediate, hidden]
  Weight down_weight;  // [hidden, expert_intermediate]
};

struct LayerWeights {
  // Pre-norm: the norm before attention. Post-norm (BERT): the norm after the attention residual.
  Tensor attn_norm_weight;  // [hidden]
  Tensor attn_norm_bias;    // [hidden], empty for RMSNorm
  // Rows: q for every query head, then k for every kv head, then v for every kv head.
  Weight qkv_weight;  // [q_dim + 2 kv_dim, hidden]
  Tensor qkv_bias;    // [q_dim + 2 kv_dim] or empty
  // QkNorm::kPerHeadLayerNorm: one weight row per query head / kv head.
  Tensor q_norm_weight;    // [heads, head_dim] or empty
  Tensor k_norm_weight;    // [kv_heads, head_dim] or empty
  Weight attn_out_weight;  // [hidden, q_dim]
  Tensor attn_out_bias;    // [hidden] or empty
  // Pre-norm: the norm before the MLP. Post-norm: the norm after the MLP residual.
  Tensor mlp_norm_weight;  // [hidden]
  Tensor mlp_norm_bias;    // [hidden], empty for RMSNorm
  Weight mlp_gate_weight;  // [intermediate, hidden], gated MLPs only
  Tensor mlp_gate_bias;    // [intermediate] or empty
  Weight mlp_up_weight;    // [intermediate, hidden]
  Tensor mlp_up_bias;      // [intermediate] or empty
  Weight mlp_down_weight;  // [hidden, intermediate]
  Tensor mlp_down_bias;    // [hidden] or empty
  // Sparse (MoE) layers: the router, the experts and the optional gated shared expert; the
  // mlp_* tensors above are then empty.
  Weight router_weight;  // [experts, hidden]
  std::vector<ExpertWeights> experts;
  ExpertWeights shared_expert;       // empty weights when there is none
  Weight shared_expert_gate_weight;  // [1, hidden] or empty
};

struct ModelWeights {
  Weight token_embedding;        // [vocab, hidden]
  Weight position_embedding;     // [max_position, hidden], absolute positions only
  Weight token_type_embedding;   // [type_vocab, hidden] or empty
  Tensor embedding_norm_weight;  // [hidden], BERT family
  Tensor embedding_norm_bias;    // [hidden]
  std::vector<LayerWeights> layers;
  Tensor final_norm_weight;  // [hidden], decoders
  Tensor final_norm_bias;    // [hidden] or empty
  // [vocab, hidden]. Empty with lm_head_tied: the head is token_embedding. Empty without it:
  // the checkpoint has no LM head (logits unavailable).
  Weight lm_head_weight;
  bool lm_head_tied = false;
  Tensor lm_head_bias;  // [vocab] or empty (GPT-J, Phi)

  bool has_lm_head() const { return lm_head_tied || !lm_head_weight.empty(); }
  const Weight& lm_head() const { return lm_head_tied ? token_embedding : lm_head_weight; }
  int64_t parameter_count() const;
  // Every matrix and embedding as an owned f32 [out, in] copy (the pre-mapping behaviour:
  // ATTNSCOPE_WEIGHTS=copy, and tests comparing the two).
  void materialise();

  // Calls fn(Weight&) for every Weight (embeddings, the LM head, each layer's matrices and
  // experts), empty ones included: the one list of them.
  template <typename Fn>
  void for_each_weight(Fn&& fn) {
    visit_weights(*this, fn);
  }
  template <typename Fn>
  void for_each_weight(Fn&& fn) const {
    visit_weights(*this, fn);
  }

 private:
  template <typename Self, typename Fn>
  static void visit_weights(Self& self, Fn& fn) {
    for (auto* w : {&self.token_embedding, &self.position_embedding, &self.token_type_embedding,
                    &self.lm_head_weight}) {
      fn(*w);
    }
    for (auto& l : self.layers) {
      for (auto* w : {&l.qkv_weight, &l.attn_out_weight, &l.mlp_gate_weight, &l.mlp_up_weight,
                      &l.mlp_down_weight, &l.router_weight, &l.shared_expert.gate_weight,
                      &l.shared_expert.up_weight, &l.shared_expert.down_weight,
                      &l.shared_expert_gate_weight}) {
        fn(*w);
      }
      for (auto& e : l.experts) {
        for (auto* w : {&e.gate_weight, &e.up_weight, &e.down_weight}) fn(*w);
      }
    }
  }
};

}  // namespace attnscope
