// What a model is: its sizes under their Hugging Face config.json names (so a field here greps
// to the same field there), plus the block description: enum knobs that tell the one generic
// transformer block how this family differs (norms, positions, residual wiring, score scaling,
// windows, q/k norm, clipping, biases, MLP / mixture of experts).
// An ArchSpec (archs/<family>.cpp) fills one of these from config.json; validate() checks it.
//
//   const ModelConfig& c = model.config();
//   std::cout << c.describe();             // multi-line summary for `attnscope info`
//   int64_t kv = c.num_key_value_heads;    // GQA: fewer kv heads than query heads
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/rope_scaling.h"
#include "ops/activation.h"

namespace attnscope {

using ops::Activation;

// The block description. A family preset (archs/<family>.cpp) reads config.json into these
// enums and sizes; Model::forward and reference_forward interpret them and know no family.

enum class NormKind {
  kLayerNorm,  // (x - mean) / std (· w + b)
  kRmsNorm,    // x / rms · w (Llama; Gemma's 1 + w is folded into w when the weights are read)
};

// Which learned parameters a norm has.
enum class NormAffine {
  kWeightAndBias,  // LayerNorm of GPT-2, BERT, ...
  kWeightOnly,     // RMSNorm; LayerNorm(bias=False)
  kNone,           // OLMo's non-parametric LayerNorm
};

// Where the block normalises: before each sub-layer (GPT-2, Llama) or after each residual add
// (BERT family, OPT with do_layer_norm_before false; then there is no final norm).
enum class NormPlacement { kPreNorm, kPostNorm };

enum class PositionKind {
  kAbsolute,  // learned position embeddings added to the token embeddings
  kRotary,    // rotary embeddings applied to q and k in every layer
  kAlibi,     // BLOOM: slope_h · key_pos added to the scores
};

// Which position ids absolute embeddings use.
enum class PositionIds {
  kFromZero,             // 0, 1, 2, ... (+ position_offset: OPT's table starts at row 2)
  kRobertaAfterPadding,  // pad_token_id + 1 + running count of non-pad tokens (pads keep pad id)
};

// How rotary pairs the rotated entries of a head.
enum class RotaryStyle {
  kHalves,       // entry i with i + rotary_dim/2 (rotate_half: Llama, NeoX, Phi, ...)
  kInterleaved,  // entry 2i with 2i + 1 (rotate_every_two: GPT-J)
};

enum class ResidualKind {
  kSequential,          // x += attn(norm1(x)); x += mlp(norm2(x))
  kParallel,            // x += attn(norm1(x)) + mlp(norm2(x)) (NeoX, Falcon ln_attn / ln_mlp)
  kParallelSharedNorm,  // x += attn(norm1(x)) + mlp(norm1(x)) (GPT-J, Phi, Falcon-7B)
};

// The factor on q·k before softmax.
enum class ScoreScale {
  kInverseSqrtHeadDim,  // 1/sqrt(head_dim)
  kNone,                // GPT-Neo (and GPT-2 with scale_attn_weights false)
};
// GPT-2's scale_attn_by_inverse_layer_idx divides layer i's scores by i + 1 as well.
enum class LayerScoreScale { kNone, kInverseLayerIndex };

// Normalisation of q and k after the head split, before rotary.
enum class QkNorm {
  kNone,
  kPerHeadLayerNorm,  // StableLM qk_layernorm: a LayerNorm (weight only) per head over head_dim
};

enum class MlpKind {
  kPlain,  // down(act(up(x)))
  kGated,  // down(act(gate(x)) · up(x))
  kMoe,    // routed mixture of gated experts (+ optional gated shared expert); see MoeConfig
};

// How the top-k router probabilities weight the chosen experts.
enum class ExpertWeighting {
  kRenormalised,  // divided by their sum (Mixtral, Qwen2-MoE norm_topk_prob)
  kRaw,           // the softmax probabilities as they are (Qwen2-MoE default)
};

struct MoeConfig {
  int64_t num_experts = 0;
  int64_t top_k = 0;
  int64_t expert_intermediate_size = 0;
  int64_t shared_expert_intermediate_size = 0;  // 0 = no shared expert
  int64_t sparse_step = 1;  // layer l routes iff (l + 1) % sparse_step == 0, else a dense MLP
  ExpertWeighting weighting = ExpertWeighting::kRenormalised;
};

// A layer's window: a query sees itself and at most this many earlier keys.
inline constexpr int64_t kNoWindow = -1;

struct ModelConfig {
  // Identity.
  std::string family;        // registry name of the ArchSpec ("llama")
  std::string architecture;  // config.json "architectures"[0] ("LlamaForCausalLM"), or ""
  std::string model_type;    // config.json "model_type"

  // Sizes, Hugging Face names (GPT-2 / DistilBERT spellings are mapped onto these).
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;    // == num_attention_heads without GQA
  int64_t head_dim = 0;               // hidden_size / num_attention_heads unless given
  bool head_dim_from_config = false;  // config.json gave head_dim explicitly
  int64_t intermediate_size = 0;      // the dense MLP's (MoE: see moe)
  int64_t max_position_embeddings = 0;
  int64_t type_vocab_size = 0;  // 0 = no token type embeddings
  std::optional<int64_t> pad_token_id;
  double layer_norm_eps = 1e-5;
  double rms_norm_eps = 1e-6;
  std::string hidden_act;
  bool tie_word_embeddings = false;

  // Embeddings.
  PositionKind position = PositionKind::kAbsolute;
  PositionIds position_ids = PositionIds::kFromZero;
  int64_t position_offset = 0;   // absolute: row = position id + offset (OPT: 2)
  bool embedding_norm = false;   // a norm right after the embeddings (BERT family, BLOOM)
  float embedding_scale = 1.0f;  // Gemma multiplies embeddings by sqrt(hidden_size)

  // Rotary.
  double rope_theta = 10000.0;
  double rotary_pct = 1.0;  // fraction of head_dim that is rotated (NeoX rotary_pct, Phi ...)
  int64_t rotary_dims = 0;  // rotated entries per head when a family gives it directly (GPT-J)
  RotaryStyle rotary_style = RotaryStyle::kHalves;
  RopeScaling rope_scaling;  // config.json "rope_scaling"

  // Norms.
  NormKind norm = NormKind::kLayerNorm;
  NormAffine norm_affine = NormAffine::kWeightAndBias;
  NormPlacement norm_placement = NormPlacement::kPreNorm;
  bool final_norm = false;  // norm after the last layer (decoders)

  // Attention.
  bool causal = false;
  ScoreScale score_scale = ScoreScale::kInverseSqrtHeadDim;
  LayerScoreScale layer_score_scale = LayerScoreScale::kNone;
  // The same window on every layer (HF sliding_window: the query and that many earlier keys; 0 =
  // none), unless layer_windows (one entry per layer, kNoWindow = none) is given.
  int64_t sliding_window = 0;
  std::vector<int64_t> layer_windows;
  QkNorm qk_norm = QkNorm::kNone;
  double clip_qkv = 0.0;  // > 0: q, k and v projections clamped to [-clip_qkv, clip_qkv]

  // Biases (which projections carry one).
  bool qkv_bias = false;       // q, k, v projections
  bool attn_out_bias = false;  // attention output projection
  bool mlp_bias = false;       // MLP projections
  bool lm_head_bias = false;   // the LM head (GPT-J, Phi)

  // Block.
  ResidualKind residual = ResidualKind::kSequential;
  MlpKind mlp = MlpKind::kPlain;
  Activation activation = Activation::kGeluErf;
  MoeConfig moe;  // mlp == kMoe

  // Derived sizes.
  int64_t q_dim() const { return num_attention_heads * head_dim; }
  int64_t kv_dim() const { return num_key_value_heads * head_dim; }
  int64_t qkv_dim() const { return q_dim() + 2 * kv_dim(); }
  // Rotated entries per head (0 without rotary).
  int64_t rotary_dim() const;
  // The factor on layer `layer`'s q·k scores.
  double attention_scale(int64_t layer) const;
  // Earlier keys a query of `layer` may see, or kNoWindow.
  int64_t window(int64_t layer) const;
  // Whether `layer` routes through experts (MoE) rather than the dense MLP.
  bool layer_is_sparse(int64_t layer) const;
  // The widest MLP hidden size any layer uses (buffers).
  int64_t max_mlp_width() const;
  double norm_eps() const { return norm == NormKind::kLayerNorm ? layer_norm_eps : rms_norm_eps; }
  bool has_bias_norms() const { return norm_affine == NormAffine::kWeightAndBias; }
  bool has_norm_weights() const { return norm_affine != NormAffine::kNone; }

  // Throws ConfigError naming the offending Hugging Face key.
  void validate() const;
  // Human-readable multi-line summary (family, sizes, knobs).
  std::string describe() const;
};

// Names of the knobs: `*_name` in words for describe(), `*_key` as the identifiers that
// `info --format json` prints ("weight_and_bias", "parallel_shared_norm", "gated").
std::string_view norm_kind_name(NormKind kind);
std::string_view position_kind_name(PositionKind kind);
std::string_view residual_kind_name(ResidualKind kind);
std::string_view norm_affine_name(NormAffine affine);
std::string_view residual_kind_key(ResidualKind kind);
std::string_view norm_affine_key(NormAffine affine);
std::string_view mlp_kind_key(MlpKind kind);

// Typed reads of config.json fields with ConfigError naming the key. A JSON null counts as
// absent (HF writes "n_inner": null).
namespace config_json {
bool has(const nlohmann::json& config, std::string_view key);
int64_t get_int(const nlohmann::json& config, std::string_view key);
int64_t get_int(const nlohmann::json& config, std::string_view key, int64_t fallback);
double get_double(const nlohmann::json& config, std::string_view key, double fallback);
bool get_bool(const nlohmann::json& config, std::string_view key, bool fallback);
std::string get_string(const nlohmann::json& config, std::string_view key,
                       std::string_view fallback);
std::optional<int64_t> get_optional_int(const nlohmann::json& config, std::string_view key);
// The activation named by `key` (ConfigError for a name we do not compute).
Activation get_activation(const nlohmann::json& config, std::string_view key,
                          std::string_view fallback);
}  // namespace config_json

}  // namespace attnscope
