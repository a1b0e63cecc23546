#include "model/config.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <sstream>

#include "core/error.h"
#include "core/limits.h"
#include "core/quote.h"
#include "io/json_file.h"

namespace attnscope {

int64_t ModelConfig::rotary_dim() const {
  if (position != PositionKind::kRotary) return 0;
  if (rotary_dims > 0) return rotary_dims;
  // GPT-NeoX / Phi: int(head_size * rotary_pct), truncated like Python's int().
  return static_cast<int64_t>(static_cast<double>(head_dim) * rotary_pct);
}

double ModelConfig::attention_scale(int64_t layer) const {
  double scale = score_scale == ScoreScale::kInverseSqrtHeadDim
                     ? 1.0 / std::sqrt(static_cast<double>(head_dim))
                     : 1.0;
  if (layer_score_scale == LayerScoreScale::kInverseLayerIndex) {
    scale /= static_cast<double>(layer + 1);
  }
  return scale;
}

int64_t ModelConfig::window(int64_t layer) const {
  if (!layer_windows.empty()) return layer_windows[layer];
  return sliding_window > 0 ? sliding_window : kNoWindow;
}

bool ModelConfig::layer_is_sparse(int64_t layer) const {
  return mlp == MlpKind::kMoe && moe.num_experts > 0 && (layer + 1) % moe.sparse_step == 0;
}

int64_t ModelConfig::max_mlp_width() const {
  int64_t width = intermediate_size;
  if (mlp == MlpKind::kMoe) {
    width = std::max({width, moe.expert_intermediate_size, moe.shared_expert_intermediate_size});
  }
  return width;
}

void ModelConfig::validate() const {
  auto positive = [](int64_t value, const char* key) {
    if (value <= 0) throw ConfigError(key, "must be positive, got " + std::to_string(value));
  };
  // Sizes are capped before anything is sized from them (limits.h): a config is a file from the
  // internet, and every weight, table and estimate below is a product of these.
  auto capped = [](int64_t value, const char* key, int64_t limit) {
    if (value > limit) {
      throw ConfigError(key, "is " + std::to_string(value) + ", above the limit of " +
                                 std::to_string(limit) + " (no real model comes close)");
    }
  };
  positive(vocab_size, "vocab_size");
  capped(vocab_size, "vocab_size", limits::kMaxVocabSize);
  positive(hidden_size, "hidden_size");
  capped(hidden_size, "hidden_size", limits::kMaxHiddenSize);
  positive(num_hidden_layers, "num_hidden_layers");
  capped(num_hidden_layers, "num_hidden_layers", limits::kMaxLayers);
  positive(num_attention_heads, "num_attention_heads");
  capped(num_attention_heads, "num_attention_heads", limits::kMaxHeads);
  positive(num_key_value_heads, "num_key_value_heads");
  capped(num_key_value_heads, "num_key_value_heads", limits::kMaxHeads);
  positive(head_dim, "head_dim");
  capped(head_dim, "head_dim", limits::kMaxHeadDim);
  positive(intermediate_size, "intermediate_size");
  capped(intermediate_size, "intermediate_size", limits::kMaxIntermediateSize);
  if (position == PositionKind::kAbsolute)
    positive(max_position_embeddings, "max_position_embeddings");
  capped(max_position_embeddings, "max_position_embeddings", limits::kMaxPositions);
  capped(type_vocab_size, "type_vocab_size", limits::kMaxTypeVocabSize);
  capped(sliding_window, "sliding_window", limits::kMaxPositions);
  if (pad_token_id && (*pad_token_id < -1 || *pad_token_id >= vocab_size)) {
    // HF ignores an out-of-range pad_token_id unless it is used; RoBERTa positions use it.
    if (position_ids == PositionIds::kRobertaAfterPadding) {
      throw ConfigError("pad_token_id", "is " + std::to_string(*pad_token_id) +
                                            ", outside the vocabulary of " +
                                            std::to_string(vocab_size));
    }
  }
  if (!head_dim_from_config && hidden_size % num_attention_heads != 0) {
    throw ConfigError("num_attention_heads", "must divide hidden_size (" +
                                                 std::to_string(hidden_size) + "), got " +
                                                 std::to_string(num_attention_heads));
  }
  if (num_attention_heads % num_key_value_heads != 0) {
    throw ConfigError("num_key_value_heads", "must divide num_attention_heads (" +
                                                 std::to_string(num_attention_heads) + "), got " +
                                                 std::to_string(num_key_value_heads));
  }
  if (type_vocab_size < 0) throw ConfigError("type_vocab_size", "must not be negative");
  if (sliding_window < 0) throw ConfigError("sliding_window", "must not be negative");
  if (!(norm_eps() > 0.0)) {
    throw ConfigError(norm == NormKind::kLayerNorm ? "layer_norm_eps" : "rms_norm_eps",
                      "must be positive");
  }
  if (position == PositionKind::kRotary) {
    if (!(rotary_pct > 0.0 && rotary_pct <= 1.0)) {
      throw ConfigError("rotary_pct", "must be in (0, 1], got " + std::to_string(rotary_pct));
    }
    const int64_t rotary = rotary_dim();
    const char* rotary_key = rotary_dims > 0 ? "rotary_dim" : "rotary_pct";
    if (rotary > head_dim) {
      throw ConfigError(rotary_key, "rotates " + std::to_string(rotary) + " entries of a " +
                                        std::to_string(head_dim) + "-entry head");
    }
    if (rotary < 2 || rotary % 2 != 0) {
      throw ConfigError(rotary_key, "rotates " + std::to_string(rotary) + " of " +
                                        std::to_string(head_dim) +
                                        " head entries; need an even number >= 2");
    }
    if (!(rope_theta > 0.0)) throw ConfigError("rope_theta", "must be positive");
    // Computes the frequencies once so that a scaling lacking what it needs fails at load.
    rotary_parameters(rope_scaling, rotary, rope_theta, max_position_embeddings, 1);
  } else if (rope_scaling.enabled()) {
    throw ConfigError("rope_scaling", "only rotary position embeddings can be scaled");
  }
  if (position_ids == PositionIds::kRobertaAfterPadding && !pad_token_id) {
    throw ConfigError("pad_token_id", "RoBERTa position ids need a pad_token_id");
  }
  if (!layer_windows.empty() && static_cast<int64_t>(layer_windows.size()) != num_hidden_layers) {
    throw ConfigError("num_hidden_layers", "is " + std::to_string(num_hidden_layers) + " but " +
                                               std::to_string(layer_windows.size()) +
                                               " layer attention windows are given");
  }
  if (clip_qkv < 0.0 || !std::isfinite(clip_qkv)) {
    throw ConfigError("clip_qkv", "must be a positive number or null");
  }
  if (mlp == MlpKind::kMoe) {
    positive(moe.num_experts, "num_experts");
    capped(moe.num_experts, "num_experts", limits::kMaxHeads);
    positive(moe.top_k, "num_experts_per_tok");
    if (moe.top_k > moe.num_experts) {
      throw ConfigError("num_experts_per_tok", "is " + std::to_string(moe.top_k) +
                                                   ", more than the " +
                                                   std::to_string(moe.num_experts) + " experts");
    }
    positive(moe.expert_intermediate_size, "moe_intermediate_size");
    capped(moe.expert_intermediate_size, "moe_intermediate_size", limits::kMaxIntermediateSize);
    capped(moe.shared_expert_intermediate_size, "shared_expert_intermediate_size",
           limits::kMaxIntermediateSize);
    positive(moe.sparse_step, "decoder_sparse_step");
  }
}

std::string_view norm_kind_name(NormKind kind) {
  switch (kind) {
    case NormKind::kLayerNorm:
      return "layer_norm";
    case NormKind::kRmsNorm:
      return "rms_norm";
  }
  return "?";
}

std::string_view position_kind_name(PositionKind kind) {
  switch (kind) {
    case PositionKind::kAbsolute:
      return "absolute";
    case PositionKind::kRotary:
      return "rotary";
    case PositionKind::kAlibi:
      return "alibi";
  }
  return "?";
}

namespace {

// Each knob's JSON key and its words for describe(), side by side.
struct Names {
  std::string_view key, words;
};

Names residual_names(ResidualKind kind) {
  switch (kind) {
    case ResidualKind::kSequential:
      return {"sequential", "sequential"};
    case ResidualKind::kParallel:
      return {"parallel", "parallel"};
    case ResidualKind::kParallelSharedNorm:
      return {"parallel_shared_norm", "parallel (one shared norm)"};
  }
  return {"?", "?"};
}

Names norm_affine_names(NormAffine affine) {
  switch (affine) {
    case NormAffine::kWeightAndBias:
      return {"weight_and_bias", "weight and bias"};
    case NormAffine::kWeightOnly:
      return {"weight_only", "weight only"};
    case NormAffine::kNone:
      return {"none", "no weight or bias"};
  }
  return {"?", "?"};
}

}  // namespace

std::string_view residual_kind_name(ResidualKind kind) { return residual_names(kind).words; }
std::string_view residual_kind_key(ResidualKind kind) { return residual_names(kind).key; }
std::string_view norm_affine_name(NormAffine affine) { return norm_affine_names(affine).words; }
std::string_view norm_affine_key(NormAffine affine) { return norm_affine_names(affine).key; }

std::string_view mlp_kind_key(MlpKind kind) {
  switch (kind) {
    case MlpKind::kPlain:
      return "plain";
    case MlpKind::kGated:
      return "gated";
    case MlpKind::kMoe:
      return "moe";
  }
  return "?";
}

std::string ModelConfig::describe() const {
  std::ostringstream out;
  out << "family: " << family << "\n";
  out << "architecture: " << (architecture.empty() ? "(none)" : architecture) << "\n";
  out << "model_type: " << model_type << "\n";
  out << "vocab_size: " << vocab_size << "\n";
  out << "hidden_size: " << hidden_size << "\n";
  out << "num_hidden_layers: " << num_hidden_layers << "\n";
  out << "num_attention_heads: " << num_attention_heads << "\n";
  out << "num_key_value_heads: " << num_key_value_heads << "\n";
  out << "head_dim: " << head_dim << "\n";
  out << "intermediate_size: " << intermediate_size << "\n";
  out << "max_position_embeddings: " << max_position_embeddings << "\n";
  out << "attention: " << (causal ? "causal" : "bidirectional") << "\n";
  out << "norm: " << norm_kind_name(norm) << " ("
      << (norm_placement == NormPlacement::kPreNorm ? "pre-norm" : "post-norm") << ", "
      << norm_affine_name(norm_affine) << ", eps " << norm_eps() << ")"
      << (embedding_norm ? ", after the embeddings too" : "")
      << (final_norm ? "" : ", no final norm") << "\n";
  out << "position: " << position_kind_name(position);
  if (position == PositionKind::kRotary) {
    out << " (theta " << rope_theta << ", " << rotary_dim() << " of " << head_dim
        << " dims per head, "
        << (rotary_style == RotaryStyle::kHalves ? "rotate-half" : "interleaved pairs") << ")";
  }
  if (position == PositionKind::kAbsolute && position_offset != 0) {
    out << " (table offset " << position_offset << ")";
  }
  out << "\n";
  out << "score scale: "
      << (score_scale == ScoreScale::kInverseSqrtHeadDim ? "1/sqrt(head_dim)" : "none")
      << (layer_score_scale == LayerScoreScale::kInverseLayerIndex ? " / (layer + 1)" : "") << "\n";
  if (qk_norm == QkNorm::kPerHeadLayerNorm) out << "qk_norm: per-head layer_norm\n";
  if (clip_qkv > 0.0) out << "clip_qkv: " << clip_qkv << "\n";
  if (!layer_windows.empty()) {
    out << "attention windows:";
    for (int64_t w : layer_windows) out << " " << (w == kNoWindow ? "global" : std::to_string(w));
    out << " (earlier keys seen per layer)\n";
  }
  out << "biases:" << (qkv_bias ? " qkv" : "") << (attn_out_bias ? " attn_out" : "")
      << (mlp_bias ? " mlp" : "") << (lm_head_bias ? " lm_head" : "")
      << (!qkv_bias && !attn_out_bias && !mlp_bias && !lm_head_bias ? " none" : "") << "\n";
  if (rope_scaling.enabled()) out << "rope_scaling: " << rope_scaling.describe() << "\n";
  out << "activation: " << ops::activation_name(activation)
      << (mlp != MlpKind::kPlain ? " (gated)" : "") << "\n";
  if (mlp == MlpKind::kMoe) {
    out << "experts: " << moe.num_experts << ", top " << moe.top_k << " ("
        << (moe.weighting == ExpertWeighting::kRenormalised ? "renormalised" : "not renormalised")
        << "), expert width " << moe.expert_intermediate_size;
    if (moe.shared_expert_intermediate_size > 0) {
      out << ", gated shared expert " << moe.shared_expert_intermediate_size;
    }
    if (moe.sparse_step > 1) out << ", every " << moe.sparse_step << " layers";
    out << "\n";
  }
  out << "residual: " << residual_kind_name(residual) << "\n";
  out << "tie_word_embeddings: " << (tie_word_embeddings ? "true" : "false") << "\n";
  if (sliding_window > 0) out << "sliding_window: " << sliding_window << "\n";
  return out.str();
}

namespace config_json {
namespace {

const nlohmann::json* lookup(const nlohmann::json& config, std::string_view key) {
  if (!config.is_object()) return nullptr;
  const auto it = config.find(std::string(key));
  if (it == config.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void wrong_type(std::string_view key, const char* expected,
                             const nlohmann::json& value) {
  throw ConfigError(std::string(key),
                    std::string("expected ") + expected + ", got " + json_brief(value));
}

}  // namespace

bool has(const nlohmann::json& config, std::string_view key) {
  return lookup(config, key) != nullptr;
}

std::optional<int64_t> get_optional_int(const nlohmann::json& config, std::string_view key) {
  const nlohmann::json* value = lookup(config, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_unsigned() &&
      value->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    throw ConfigError(std::string(key),
                      "is out of range: " + value->dump() + " does not fit in a 64-bit integer");
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  // Some configs write integers as floats ("rotary_emb_base": 10000.0): accept exact ones.
  if (value->is_number_float()) {
    const double d = value->get<double>();
    // 2^63 itself is out of range; checked before the cast (which would be undefined).
    if (!(std::abs(d) < 9223372036854775808.0)) {
      throw ConfigError(std::string(key),
                        "is out of range: " + value->dump() + " does not fit in a 64-bit integer");
    }
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  wrong_type(key, "an integer", *value);
}

int64_t get_int(const nlohmann::json& config, std::string_view key) {
  const std::optional<int64_t> value = get_optional_int(config, key);
  if (!value) throw ConfigError(std::string(key), "missing from config.json");
  return *value;
}

int64_t get_int(const nlohmann::json& config, std::string_view key, int64_t fallback) {
  return get_optional_int(config, key).value_or(fallback);
}

double get_double(const nlohmann::json& config, std::string_view key, double fallback) {
  const nlohmann::json* value = lookup(config, key);
  if (value == nullptr) return fallback;
  if (!value->is_number()) wrong_type(key, "a number", *value);
  return value->get<double>();
}

bool get_bool(const nlohmann::json& config, std::string_view key, bool fallback) {
  const nlohmann::json* value = lookup(config, key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) wrong_type(key, "true or false", *value);
  return value->get<bool>();
}

std::string get_string(const nlohmann::json& config, std::string_view key,
                       std::string_view fallback) {
  const nlohmann::json* value = lookup(config, key);
  if (value == nullptr) return std::string(fallback);
  if (!value->is_string()) wrong_type(key, "a string", *value);
  return value->get<std::string>();
}

Activation get_activation(const nlohmann::json& config, std::string_view key,
                          std::string_view fallback) {
  const std::string name = get_string(config, key, fallback);
  Activation activation;
  if (!ops::activation_from_hf_name(name, &activation)) {
    throw ConfigError(std::string(key),
                      "activation " + quote(name) +
                          " is not supported; supported: gelu, gelu_new, gelu_pytorch_tanh, "
                          "gelu_fast, silu, swish, relu");
  }
  return activation;
}

}  // namespace config_json
}  // namespace attnscope
