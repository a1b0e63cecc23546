// Built with -ffp-contract=off (src/model/CMakeLists.txt): every f32 step below is rounded on its
// own, like the PyTorch op it stands for; a fused multiply-add would round differently.
#include "model/rope_scaling.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"
#include "core/quote.h"
#include "io/json_file.h"
#include "model/config.h"

namespace attnscope {
namespace {

constexpr double kPi = 3.141592653589793;  // Python's math.pi
constexpr const char* kSupportedTypes =
    "linear, dynamic (transformers 4.40.2), llama3, yarn (newer transformers), default or null "
    "(no scaling)";

// A Python scalar meeting an f32 tensor is rounded to f32 before the op.
float f32(double value) { return static_cast<float>(value); }

std::string field(std::string_view key) { return "rope_scaling." + std::string(key); }

const nlohmann::json* find(const nlohmann::json& scaling, std::string_view key) {
  const auto it = scaling.find(std::string(key));
  if (it == scaling.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<double> optional_number(const nlohmann::json& scaling, std::string_view key) {
  const nlohmann::json* value = find(scaling, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number() || !std::isfinite(value->get<double>())) {
    throw ConfigError(field(key), "expected a number, got " + value->dump().substr(0, 60));
  }
  return value->get<double>();
}

double required_number(const nlohmann::json& scaling, std::string_view key, std::string_view type) {
  const std::optional<double> value = optional_number(scaling, key);
  if (!value) {
    throw ConfigError(field(key),
                      "missing; rope_scaling type '" + std::string(type) + "' needs it");
  }
  return *value;
}

double positive_number(const nlohmann::json& scaling, std::string_view key, std::string_view type) {
  const double value = required_number(scaling, key, type);
  if (!(value > 0.0)) {
    throw ConfigError(field(key), "must be positive, got " + json_brief(scaling[std::string(key)]));
  }
  return value;
}

int64_t optional_positive_int(const nlohmann::json& scaling, std::string_view key) {
  const nlohmann::json* value = find(scaling, key);
  if (value == nullptr) return 0;
  const double d = value->is_number() ? value->get<double>() : 0.0;
  if (!value->is_number() || d != std::floor(d) || !(d > 0.0) || d > 1e15) {
    throw ConfigError(field(key),
                      "expected a positive integer, got " + value->dump().substr(0, 60));
  }
  return static_cast<int64_t>(d);
}

std::string type_of(const nlohmann::json& scaling) {
  // Newer transformers write "rope_type"; "type" is the older spelling of the same field.
  for (const char* key : {"rope_type", "type"}) {
    const nlohmann::json* value = find(scaling, key);
    if (value == nullptr) continue;
    if (!value->is_string()) {
      throw ConfigError(field(key), "expected a string, got " + json_brief(*value));
    }
    return value->get<std::string>();
  }
  throw ConfigError(field("rope_type"),
                    std::string("missing (also read as \"type\"); supported: ") + kSupportedTypes);
}

// PyTorch's pow(f32 tensor, Python float) on one element: std::pow in double, rounded to f32,
// except the exponents it special-cases (2 is x·x in f32).
float pow_f32_scalar(float base, double exponent) {
  if (exponent == 2.0) return base * base;
  if (exponent == 3.0) return base * base * base;
  return static_cast<float>(std::pow(static_cast<double>(base), exponent));
}

// Dynamic NTK (4.40.2 LlamaDynamicNTKScalingRotaryEmbedding / GPTNeoX...): the base grows with
// the sequence once it is longer than max_position_embeddings.
std::vector<float> dynamic_ntk(const RopeScaling& s, int64_t dim, double theta, int64_t max_pos,
                               int64_t seq_len) {
  if (seq_len <= max_pos) return ops::rotary_inverse_frequencies(dim, theta);
  const double exponent = static_cast<double>(dim) / static_cast<double>(dim - 2);
  float base = 0.0f;
  if (s.dynamic_arithmetic == DynamicArithmetic::kFloat64) {
    // GPT-NeoX: Python ints and floats, rounded to f32 only when raised to the f32 exponents.
    const double stretch =
        (s.factor * static_cast<double>(seq_len) / static_cast<double>(max_pos)) - (s.factor - 1.0);
    base = f32(theta * std::pow(stretch, exponent));
  } else {
    // Llama: seq_len = max(position_ids) + 1 is a tensor, so each operation is an f32 op:
    // base * ((factor * seq_len / max) - (factor - 1)) ** (dim / (dim - 2)).
    const float scaled = f32(s.factor) * static_cast<float>(seq_len);
    const float ratio = scaled / static_cast<float>(max_pos);
    const float stretch = ratio - f32(s.factor - 1.0);
    base = f32(theta) * pow_f32_scalar(stretch, exponent);
  }
  return ops::rotary_inverse_frequencies(dim, static_cast<double>(base));
}

// Llama 3.1 (_compute_llama3_parameters): wavelengths longer than original/low_freq_factor are
// divided by factor, shorter than original/high_freq_factor kept, in between interpolated.
std::vector<float> llama3(const RopeScaling& s, int64_t dim, double theta) {
  std::vector<float> inv_freq = ops::rotary_inverse_frequencies(dim, theta);
  const double old_context = static_cast<double>(s.original_max_position_embeddings);
  const float factor = f32(s.factor);
  const float low_freq_wavelen = f32(old_context / s.low_freq_factor);
  const float high_freq_wavelen = f32(old_context / s.high_freq_factor);
  for (float& inv : inv_freq) {
    // 2 * math.pi / inv_freq: Tensor.__rtruediv__ is reciprocal() * scalar.
    const float wavelen = (1.0f / inv) * f32(2 * kPi);
    const float llama = wavelen > low_freq_wavelen ? inv / factor : inv;
    // (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    const float smooth = ((1.0f / wavelen) * f32(old_context) - f32(s.low_freq_factor)) /
                         f32(s.high_freq_factor - s.low_freq_factor);
    // (1 - smooth) * inv_freq_llama / factor + smooth * inv_freq_llama
    const float first = ((1.0f - smooth) * llama) / factor;
    const float second = smooth * llama;
    const float smoothed = first + second;
    const bool medium = !(wavelen < high_freq_wavelen) && !(wavelen > low_freq_wavelen);
    inv = medium ? smoothed : llama;
  }
  return inv_freq;
}

// yarn's m-scale: 1 for no stretch, else 0.1 · mscale · ln(scale) + 1.
double yarn_mscale(double scale, double mscale = 1.0) {
  if (scale <= 1.0) return 1.0;
  return 0.1 * mscale * std::log(scale) + 1.0;
}

// YaRN (_compute_yarn_parameters, transformers >= 4.56: the explicit factor is used; earlier
// versions replaced it by max_position_embeddings / original_max_position_embeddings).
RotaryParameters yarn(const RopeScaling& s, int64_t dim, double theta, int64_t max_pos) {
  const double original = s.original_max_position_embeddings > 0
                              ? static_cast<double>(s.original_max_position_embeddings)
                              : static_cast<double>(max_pos);
  double attention_factor = 0.0;
  if (s.attention_factor) {
    attention_factor = *s.attention_factor;
  } else if (s.mscale.value_or(0.0) != 0.0 && s.mscale_all_dim.value_or(0.0) != 0.0) {
    attention_factor = yarn_mscale(s.factor, *s.mscale) / yarn_mscale(s.factor, *s.mscale_all_dim);
  } else {
    attention_factor = yarn_mscale(s.factor);
  }
  // Dimension (of `dim`) at which a frequency completes `rotations` turns over `original` tokens.
  const auto correction_dim = [&](double rotations) {
    return (static_cast<double>(dim) * std::log(original / (rotations * 2 * kPi))) /
           (2 * std::log(theta));
  };
  double low = correction_dim(s.beta_fast);
  double high = correction_dim(s.beta_slow);
  if (s.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, static_cast<double>(dim - 1));
  if (low == high) high += 0.001;  // HF: prevent a singular ramp

  const int64_t half = dim / 2;
  RotaryParameters p;
  p.inv_freq.resize(half);
  const float factor = f32(s.factor);
  for (int64_t i = 0; i < half; ++i) {
    // pos_freqs = base ** (arange(0, dim, 2).float() / dim)
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(dim);
    const float pos_freq = std::pow(f32(theta), exponent);
    const float extrapolation = 1.0f / pos_freq;
    const float interpolation = 1.0f / (factor * pos_freq);
    // ramp = clamp((arange(dim // 2) - low) / (high - low), 0, 1); extrapolation factor 1 - ramp
    const float linear = (static_cast<float>(i) - f32(low)) / f32(high - low);
    const float ramp = std::clamp(linear, 0.0f, 1.0f);
    const float extrapolation_factor = 1.0f - ramp;
    const float first = interpolation * (1.0f - extrapolation_factor);
    const float second = extrapolation * extrapolation_factor;
    p.inv_freq[i] = first + second;
  }
  p.angles.attention_factor = f32(attention_factor);
  return p;
}

void require_max_positions(const RopeScaling& s, int64_t max_pos) {
  if (max_pos <= 0) {
    throw ConfigError("max_position_embeddings",
                      "rope_scaling type '" + std::string(rope_scaling_type_name(s.type)) +
                          "' needs a positive max_position_embeddings, got " +
                          std::to_string(max_pos));
  }
}

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

std::string_view rope_scaling_type_name(RopeScalingType type) {
  switch (type) {
    case RopeScalingType::kNone:
      return "none";
    case RopeScalingType::kLinear:
      return "linear";
    case RopeScalingType::kDynamic:
      return "dynamic";
    case RopeScalingType::kLlama3:
      return "llama3";
    case RopeScalingType::kYarn:
      return "yarn";
  }
  return "?";
}

RopeScaling parse_rope_scaling(const nlohmann::json& config, DynamicArithmetic dynamic) {
  RopeScaling s;
  s.dynamic_arithmetic = dynamic;
  if (!config_json::has(config, "rope_scaling")) return s;
  const nlohmann::json& scaling = config["rope_scaling"];
  if (!scaling.is_object()) {
    throw ConfigError("rope_scaling",
                      "expected an object such as {\"rope_type\": \"linear\", \"factor\": 2.0} or "
                      "null, got " +
                          json_brief(scaling));
  }
  const std::string type = type_of(scaling);
  if (type == "default") return s;
  if (type == "linear" || type == "dynamic") {
    s.type = type == "linear" ? RopeScalingType::kLinear : RopeScalingType::kDynamic;
    s.factor = positive_number(scaling, "factor", type);
  } else if (type == "llama3") {
    s.type = RopeScalingType::kLlama3;
    s.factor = positive_number(scaling, "factor", type);
    s.low_freq_factor = positive_number(scaling, "low_freq_factor", type);
    s.high_freq_factor = positive_number(scaling, "high_freq_factor", type);
    if (!(s.high_freq_factor > s.low_freq_factor)) {
      throw ConfigError(field("high_freq_factor"), "must be greater than low_freq_factor (" +
                                                       number(s.low_freq_factor) + "), got " +
                                                       number(s.high_freq_factor));
    }
    s.original_max_position_embeddings =
        optional_positive_int(scaling, "original_max_position_embeddings");
    if (s.original_max_position_embeddings == 0) {
      throw ConfigError(field("original_max_position_embeddings"),
                        "missing; rope_scaling type 'llama3' needs it");
    }
  } else if (type == "yarn") {
    s.type = RopeScalingType::kYarn;
    s.factor = positive_number(scaling, "factor", type);
    s.original_max_position_embeddings =
        optional_positive_int(scaling, "original_max_position_embeddings");
    s.attention_factor = optional_number(scaling, "attention_factor");
    if (s.attention_factor && !(*s.attention_factor > 0.0)) {
      throw ConfigError(field("attention_factor"),
                        "must be positive, got " + number(*s.attention_factor));
    }
    // HF: rope_scaling.get("beta_fast") or 32 (a 0 also falls back).
    const double beta_fast = optional_number(scaling, "beta_fast").value_or(0.0);
    const double beta_slow = optional_number(scaling, "beta_slow").value_or(0.0);
    s.beta_fast = beta_fast != 0.0 ? beta_fast : 32.0;
    s.beta_slow = beta_slow != 0.0 ? beta_slow : 1.0;
    if (!(s.beta_fast > 0.0 && s.beta_slow > 0.0)) {
      throw ConfigError(field("beta_fast"), "beta_fast and beta_slow must be positive, got " +
                                                number(s.beta_fast) + " and " +
                                                number(s.beta_slow));
    }
    s.mscale = optional_number(scaling, "mscale");
    s.mscale_all_dim = optional_number(scaling, "mscale_all_dim");
    if (const nlohmann::json* truncate = find(scaling, "truncate")) {
      if (!truncate->is_boolean()) {
        throw ConfigError(field("truncate"),
                          "expected true or false, got " + json_brief(*truncate));
      }
      s.truncate = truncate->get<bool>();
    }
  } else {
    throw UnsupportedError("config.json rope_scaling type " + quote(type) +
                           " is not supported; supported: " + kSupportedTypes);
  }
  return s;
}

RotaryParameters rotary_parameters(const RopeScaling& s, int64_t rotary_dim, double theta,
                                   int64_t max_position_embeddings, int64_t tokens) {
  RotaryParameters p;
  switch (s.type) {
    case RopeScalingType::kNone:
      p.inv_freq = ops::rotary_inverse_frequencies(rotary_dim, theta);
      break;
    case RopeScalingType::kLinear:
      p.inv_freq = ops::rotary_inverse_frequencies(rotary_dim, theta);
      p.angles.position_divisor = f32(s.factor);
      break;
    case RopeScalingType::kDynamic:
      require_max_positions(s, max_position_embeddings);
      if (rotary_dim <= 2) {
        throw ConfigError("rope_scaling",
                          "dynamic scaling needs a rotary dimension above 2 (its "
                          "exponent is d / (d - 2)), got " +
                              std::to_string(rotary_dim));
      }
      p.inv_freq = dynamic_ntk(s, rotary_dim, theta, max_position_embeddings, tokens);
      break;
    case RopeScalingType::kLlama3:
      p.inv_freq = llama3(s, rotary_dim, theta);
      break;
    case RopeScalingType::kYarn:
      if (s.original_max_position_embeddings == 0) {
        require_max_positions(s, max_position_embeddings);
      }
      p = yarn(s, rotary_dim, theta, max_position_embeddings);
      break;
  }
  return p;
}

ops::RotaryTable rotary_table(const ModelConfig& config, int64_t tokens) {
  const RotaryParameters p =
      rotary_parameters(config.rope_scaling, config.rotary_dim(), config.rope_theta,
                        config.max_position_embeddings, tokens);
  return ops::RotaryTable(p.inv_freq, tokens, p.angles);
}

std::string RopeScaling::describe() const {
  std::ostringstream out;
  out << rope_scaling_type_name(type);
  switch (type) {
    case RopeScalingType::kNone:
      break;
    case RopeScalingType::kLinear:
      out << " (factor " << factor << ": positions divided by it)";
      break;
    case RopeScalingType::kDynamic:
      out << " (NTK, factor " << factor << ": base grows past max_position_embeddings)";
      break;
    case RopeScalingType::kLlama3:
      out << " (factor " << factor << ", low_freq_factor " << low_freq_factor
          << ", high_freq_factor " << high_freq_factor << ", original_max_position_embeddings "
          << original_max_position_embeddings << ")";
      break;
    case RopeScalingType::kYarn:
      out << " (factor " << factor << ", original_max_position_embeddings ";
      if (original_max_position_embeddings > 0) {
        out << original_max_position_embeddings;
      } else {
        out << "= max_position_embeddings";
      }
      out << ", beta_fast " << beta_fast << ", beta_slow " << beta_slow;
      if (attention_factor) out << ", attention_factor " << *attention_factor;
      if (mscale) out << ", mscale " << *mscale;
      if (mscale_all_dim) out << ", mscale_all_dim " << *mscale_all_dim;
      if (!truncate) out << ", truncate false";
      out << ")";
      break;
  }
  return out.str();
}

nlohmann::ordered_json RopeScaling::to_json() const {
  if (type == RopeScalingType::kNone) return nullptr;
  nlohmann::ordered_json out;
  out["rope_type"] = rope_scaling_type_name(type);
  out["factor"] = factor;
  if (type == RopeScalingType::kLlama3) {
    out["low_freq_factor"] = low_freq_factor;
    out["high_freq_factor"] = high_freq_factor;
  }
  if (original_max_position_embeddings > 0) {
    out["original_max_position_embeddings"] = original_max_position_embeddings;
  }
  if (type == RopeScalingType::kYarn) {
    out["beta_fast"] = beta_fast;
    out["beta_slow"] = beta_slow;
    if (attention_factor) out["attention_factor"] = *attention_factor;
    if (mscale) out["mscale"] = *mscale;
    if (mscale_all_dim) out["mscale_all_dim"] = *mscale_all_dim;
    out["truncate"] = truncate;
  }
  return out;
}

}  // namespace attnscope
