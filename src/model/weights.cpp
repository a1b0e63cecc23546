#include "model/weights.h"

namespace attnscope {

int64_t ModelWeights::parameter_count() const {
  int64_t total = token_embedding.numel() + position_embedding.numel() +
                  token_type_embedding.numel() + embedding_norm_weight.numel() +
                  embedding_norm_bias.numel() + final_norm_weight.numel() +
                  final_norm_bias.numel() + lm_head_weight.numel() + lm_head_bias.numel();
  for (const LayerWeights& l : layers) {
    for (const Tensor* t : {&l.attn_norm_weight,
                            &l.attn_norm_bias,
                            &l.qkv_weight,
                            &l.qkv_bias,
                            &l.attn_out_weight,
                            &l.attn_out_bias,
                            &l.mlp_norm_weight,
                            &l.mlp_norm_bias,
                            &l.mlp_gate_weight,
                            &l.mlp_gate_bias,
                            &l.mlp_up_weight,
                            &l.mlp_up_bias,
                            &l.mlp_down_weight,
                            &l.mlp_down_bias,
                            &l.q_norm_weight,
                            &l.k_norm_weight,
                            &l.router_weight,
                            &l.shared_expert.gate_weight,
                            &l.shared_expert.up_weight,
                            &l.shared_expert.down_weight,
                            &l.shared_expert_gate_weight}) {
      total += t->numel();
    }
    for (const ExpertWeights& e : l.experts) {
      total += e.gate_weight.numel() + e.up_weight.numel() + e.down_weight.numel();
    }
  }
  return total;
}

}  // namespace attnscope
