#include "report/model_description.h"

#include <string>

namespace attnscope::report {
namespace {

nlohmann::ordered_json position_json(const ModelConfig& c) {
  nlohmann::ordered_json p;
  p["kind"] = std::string(position_kind_name(c.position));
  const bool absolute = c.position == PositionKind::kAbsolute;
  const bool rotary = c.position == PositionKind::kRotary;
  // absolute: the learned table's row is position id + offset (OPT: 2).
  p["offset"] = absolute ? nlohmann::ordered_json(c.position_offset) : nullptr;
  p["ids"] = !absolute                                             ? nlohmann::ordered_json()
             : c.position_ids == PositionIds::kRobertaAfterPadding ? "roberta_after_padding"
                                                                   : "from_zero";
  p["rope_theta"] = rotary ? nlohmann::ordered_json(c.rope_theta) : nullptr;
  p["rotary_dims"] = rotary ? nlohmann::ordered_json(c.rotary_dim()) : nullptr;
  p["rotary_style"] = !rotary                                  ? nlohmann::ordered_json()
                      : c.rotary_style == RotaryStyle::kHalves ? "halves"
                                                               : "interleaved";
  p["rope_scaling"] = c.rope_scaling.to_json();  // null when none
  return p;
}

}  // namespace

nlohmann::ordered_json block_description_json(const ModelConfig& c) {
  nlohmann::ordered_json out;
  out["norm"] = {
      {"kind", std::string(norm_kind_name(c.norm))},
      {"placement", c.norm_placement == NormPlacement::kPreNorm ? "pre_norm" : "post_norm"},
      {"affine", std::string(norm_affine_key(c.norm_affine))},
      {"eps", c.norm_eps()},
      {"embedding_norm", c.embedding_norm},
      {"final_norm", c.final_norm}};
  out["residual"] = std::string(residual_kind_key(c.residual));
  out["position"] = position_json(c);
  out["score_scale"] =
      c.score_scale == ScoreScale::kInverseSqrtHeadDim ? "inverse_sqrt_head_dim" : "none";
  out["layer_score_scale"] =
      c.layer_score_scale == LayerScoreScale::kInverseLayerIndex ? "inverse_layer_index" : "none";
  // Per layer, the earlier keys a query sees (null: global); null when every layer is global.
  nlohmann::ordered_json windows = nlohmann::ordered_json::array();
  bool any_window = false;
  for (int64_t layer = 0; layer < c.num_hidden_layers; ++layer) {
    const int64_t w = c.window(layer);
    any_window = any_window || w != kNoWindow;
    windows.push_back(w == kNoWindow ? nlohmann::ordered_json() : nlohmann::ordered_json(w));
  }
  out["attention_windows"] = any_window ? windows : nlohmann::ordered_json();
  out["sliding_window"] =
      c.sliding_window > 0 ? nlohmann::ordered_json(c.sliding_window) : nlohmann::ordered_json();
  out["qk_norm"] = c.qk_norm == QkNorm::kPerHeadLayerNorm ? "per_head_layer_norm" : "none";
  out["clip_qkv"] = c.clip_qkv > 0 ? nlohmann::ordered_json(c.clip_qkv) : nlohmann::ordered_json();
  out["biases"] = {{"qkv", c.qkv_bias},
                   {"attn_out", c.attn_out_bias},
                   {"mlp", c.mlp_bias},
                   {"lm_head", c.lm_head_bias}};
  out["mlp"] = std::string(mlp_kind_key(c.mlp));
  out["activation"] = std::string(ops::activation_name(c.activation));
  if (c.mlp == MlpKind::kMoe) {
    out["experts"] = {
        {"num_experts", c.moe.num_experts},
        {"top_k", c.moe.top_k},
        {"weighting", c.moe.weighting == ExpertWeighting::kRenormalised ? "renormalised" : "raw"},
        {"expert_intermediate_size", c.moe.expert_intermediate_size},
        {"shared_expert_intermediate_size", c.moe.shared_expert_intermediate_size},
        {"sparse_step", c.moe.sparse_step}};
  } else {
    out["experts"] = nullptr;
  }
  out["embedding_scale"] = c.embedding_scale;
  out["tie_word_embeddings"] = c.tie_word_embeddings;
  return out;
}

}  // namespace attnscope::report
