// What a model is: its sizes under their Hugging Face config.json names (so a field here greps
// to the same field there), plus the handful of enum knobs that tell the generic transformer
// block how this family differs (norm kind, position kind, activation, residual wiring).
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

#include <nlohmann/json.hpp>

#include "model/rope_scaling.h"
#include "ops/activation.h"

namespace attnscope {

using ops::Activation;

enum class NormKind {
  kLayerNorm,       // (x - mean) / std · w + b
  kRmsNorm,         // x / rms · w (Llama)
  kRmsNormPlusOne,  // x / rms · (1 + w) (Gemma)
};

// Where the block normalises: before each sub-layer (GPT-2, Llama) or after each residual add
// (BERT family, which then has no final norm).
enum class NormPlacement { kPreNorm, kPostNorm };

enum class PositionKind {
  kAbsolute,  // learned position embeddings added to the token embeddings
  kRotary,    // rotary embeddings applied to q and k in every layer
};

// Which position ids absolute embeddings use.
enum class PositionIds {
  kFromZero,             // 0, 1, 2, ...
  kRobertaAfterPadding,  // pad_token_id + 1 + running count of non-pad tokens (pads keep pad id)
};

enum class ResidualKind {
  kSequential,  // x += attn(norm1(x)); x += mlp(norm2(x))
  kParallel,    // x += attn(norm1(x)) + mlp(norm2(x)) (GPT-NeoX use_parallel_residual)
};

enum class MlpKind {
  kPlain,  // down(act(up(x)))
  kGated,  // down(act(gate(x)) · up(x))
};

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
  int64_t intermediate_size = 0;
  int64_t max_position_embeddings = 0;
  int64_t type_vocab_size = 0;  // 0 = no token type embeddings
  std::optional<int64_t> pad_token_id;
  double layer_norm_eps = 1e-5;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  double rotary_pct = 1.0;     // GPT-NeoX: fraction of head_dim that is rotated
  RopeScaling rope_scaling;    // config.json "rope_scaling" (rotary families)
  int64_t sliding_window = 0;  // 0 = none; else a query sees itself and this many earlier keys
  bool tie_word_embeddings = false;
  bool use_parallel_residual = false;
  std::string hidden_act;

  // Knobs of the generic block.
  NormKind norm = NormKind::kLayerNorm;
  NormPlacement norm_placement = NormPlacement::kPreNorm;
  PositionKind position = PositionKind::kAbsolute;
  PositionIds position_ids = PositionIds::kFromZero;
  Activation activation = Activation::kGeluErf;
  MlpKind mlp = MlpKind::kPlain;
  ResidualKind residual = ResidualKind::kSequential;
  bool causal = false;
  bool qkv_bias = false;         // biases on the q, k, v projections
  bool attn_out_bias = false;    // bias on the attention output projection
  bool mlp_bias = false;         // biases on the MLP projections
  bool embedding_norm = false;   // LayerNorm right after the embeddings (BERT family)
  bool final_norm = false;       // norm after the last layer (decoders)
  float embedding_scale = 1.0f;  // Gemma multiplies embeddings by sqrt(hidden_size)
  // GPT-2: scores divided by sqrt(head_dim) (scale_attn_weights), and those of layer i also by
  // i + 1 (scale_attn_by_inverse_layer_idx). Every other family: the first only.
  bool scale_attn_weights = true;
  bool scale_attn_by_inverse_layer_idx = false;

  // Derived sizes.
  int64_t q_dim() const { return num_attention_heads * head_dim; }
  int64_t kv_dim() const { return num_key_value_heads * head_dim; }
  int64_t qkv_dim() const { return q_dim() + 2 * kv_dim(); }
  int64_t rotary_dim() const;
  // The factor on layer `layer`'s q·k scores: 1/sqrt(head_dim), over layer + 1 where asked.
  double attention_scale(
      int64_t layer) const;  // rotated entries per head (0 for absolute positions)
  double norm_eps() const { return norm == NormKind::kLayerNorm ? layer_norm_eps : rms_norm_eps; }
  bool has_bias_norms() const { return norm == NormKind::kLayerNorm; }

  // Throws ConfigError naming the offending Hugging Face key.
  void validate() const;
  // Human-readable multi-line summary (family, sizes, knobs).
  std::string describe() const;
};

std::string_view norm_kind_name(NormKind kind);
std::string_view position_kind_name(PositionKind kind);
std::string_view residual_kind_name(ResidualKind kind);

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
