// The weights of a loaded model under canonical names, whatever the checkpoint called them.
// Every ArchSpec maps its family's Hugging Face tensor names onto these (splitting or fusing,
// transposing where needed), so the forward pass and the reference forward read one layout:
// linear weights are [out, in] like nn.Linear, and q, k, v are fused into one matrix.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace attnscope {

// One gated expert of a mixture-of-experts MLP: down(act(gate(x)) · up(x)), no biases.
struct ExpertWeights {
  Tensor gate_weight;  // [expert_intermediate, hidden]
  Tensor up_weight;    // [expert_intermediate, hidden]
  Tensor down_weight;  // [hidden, expert_intermediate]
};

struct LayerWeights {
  // Pre-norm: the norm before attention. Post-norm (BERT): the norm after the attention residual.
  Tensor attn_norm_weight;  // [hidden]
  Tensor attn_norm_bias;    // [hidden], empty for RMSNorm
  // Rows: q for every query head, then k for every kv head, then v for every kv head.
  Tensor qkv_weight;  // [q_dim + 2 kv_dim, hidden]
  Tensor qkv_bias;    // [q_dim + 2 kv_dim] or empty
  // QkNorm::kPerHeadLayerNorm: one weight row per query head / kv head.
  Tensor q_norm_weight;    // [heads, head_dim] or empty
  Tensor k_norm_weight;    // [kv_heads, head_dim] or empty
  Tensor attn_out_weight;  // [hidden, q_dim]
  Tensor attn_out_bias;    // [hidden] or empty
  // Pre-norm: the norm before the MLP. Post-norm: the norm after the MLP residual.
  Tensor mlp_norm_weight;  // [hidden]
  Tensor mlp_norm_bias;    // [hidden], empty for RMSNorm
  Tensor mlp_gate_weight;  // [intermediate, hidden], gated MLPs only
  Tensor mlp_gate_bias;    // [intermediate] or empty
  Tensor mlp_up_weight;    // [intermediate, hidden]
  Tensor mlp_up_bias;      // [intermediate] or empty
  Tensor mlp_down_weight;  // [hidden, intermediate]
  Tensor mlp_down_bias;    // [hidden] or empty
  // Sparse (MoE) layers: the router, the experts and the optional gated shared expert; the
  // mlp_* tensors above are then empty.
  Tensor router_weight;  // [experts, hidden]
  std::vector<ExpertWeights> experts;
  ExpertWeights shared_expert;       // empty tensors when there is none
  Tensor shared_expert_gate_weight;  // [1, hidden] or empty
};

struct ModelWeights {
  Tensor token_embedding;        // [vocab, hidden]
  Tensor position_embedding;     // [max_position, hidden], absolute positions only
  Tensor token_type_embedding;   // [type_vocab, hidden] or empty
  Tensor embedding_norm_weight;  // [hidden], BERT family
  Tensor embedding_norm_bias;    // [hidden]
  std::vector<LayerWeights> layers;
  Tensor final_norm_weight;  // [hidden], decoders
  Tensor final_norm_bias;    // [hidden] or empty
  // [vocab, hidden]. Empty with lm_head_tied: the head is token_embedding. Empty without it:
  // the checkpoint has no LM head (logits unavailable).
  Tensor lm_head_weight;
  bool lm_head_tied = false;
  Tensor lm_head_bias;  // [vocab] or empty (GPT-J, Phi)

  bool has_lm_head() const { return lm_head_tied || !lm_head_weight.empty(); }
  const Tensor& lm_head() const { return lm_head_tied ? token_embedding : lm_head_weight; }
  int64_t parameter_count() const;
};

}  // namespace attnscope
