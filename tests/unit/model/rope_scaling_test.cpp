// Scaled rotary embeddings (config.json rope_scaling) against independent double-precision
// implementations of the published formulas written here, their defining properties (linear:
// position p at factor f is unscaled position p/f; dynamic: unchanged up to
// max_position_embeddings), parsing errors, and the BLAS forward against the reference forward on
// random models with scaled configs.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "forward_pair.h"
#include "model/arch.h"
#include "model/attention_store.h"
#include "model/model.h"
#include "model/rope_scaling.h"
#include "random_model.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

using testing::all_close;
using testing::attention_invariants;
using testing::max_abs;

constexpr double kPi = 3.14159265358979323846;

// ---- Published formulas in double precision -------------------------------------------------

// RoPE (Su et al.): inv_freq[i] = theta^(-2i/d).
std::vector<double> plain_inverse_frequencies(int64_t dim, double theta) {
  std::vector<double> out(dim / 2);
  for (int64_t i = 0; i < dim / 2; ++i) out[i] = std::pow(theta, -2.0 * i / dim);
  return out;
}

// Dynamic NTK (bloc97 / emozilla): base' = theta · (factor·T/max − (factor − 1))^(d/(d−2)).
std::vector<double> dynamic_ntk_inverse_frequencies(int64_t dim, double theta, double factor,
                                                    int64_t max_pos, int64_t seq_len) {
  const double base =
      theta * std::pow(factor * seq_len / max_pos - (factor - 1), double(dim) / (dim - 2));
  return plain_inverse_frequencies(dim, base);
}

enum class Band { kHigh, kMedium, kLow };

// Llama 3.1 (Meta's reference apply_scaling): wavelength λ = 2π / inv. λ < original/high: kept;
// λ > original/low: divided by factor; between: (1 − s)·inv/factor + s·inv with
// s = (original/λ − low) / (high − low).
double llama3_inverse_frequency(double inv, double factor, double low, double high, double original,
                                Band* band) {
  const double wavelen = 2 * kPi / inv;
  if (wavelen < original / high) {
    *band = Band::kHigh;
    return inv;
  }
  if (wavelen > original / low) {
    *band = Band::kLow;
    return inv / factor;
  }
  *band = Band::kMedium;
  const double smooth = (original / wavelen - low) / (high - low);
  return (1 - smooth) * inv / factor + smooth * inv;
}

// YaRN (Peng et al., "NTK-by-parts" + attention temperature): dimensions that turn more than
// beta_fast times over the original context keep their frequency, those turning fewer than
// beta_slow times are divided by factor, a linear ramp in between (bounds floored / ceiled as
// Hugging Face does); cos and sin are scaled by 0.1·ln(factor) + 1.
std::vector<double> yarn_inverse_frequencies(int64_t dim, double theta, double factor,
                                             double original) {
  const auto dimension_for = [&](double rotations) {
    return dim * std::log(original / (rotations * 2 * kPi)) / (2 * std::log(theta));
  };
  const double low = std::max(std::floor(dimension_for(32.0)), 0.0);
  const double high = std::min(std::ceil(dimension_for(1.0)), double(dim - 1));
  std::vector<double> out = plain_inverse_frequencies(dim, theta);
  for (int64_t i = 0; i < dim / 2; ++i) {
    const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    out[i] = out[i] * (1 - ramp) + out[i] / factor * ramp;
  }
  return out;
}

::testing::AssertionResult relatively_close(const std::vector<float>& got,
                                            const std::vector<double>& expected, double tolerance) {
  if (got.size() != expected.size()) {
    return ::testing::AssertionFailure() << got.size() << " values, expected " << expected.size();
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const double error = std::fabs(got[i] - expected[i]) / std::fabs(expected[i]);
    if (!(error <= tolerance)) {
      return ::testing::AssertionFailure() << "inv_freq[" << i << "] = " << got[i] << ", expected "
                                           << expected[i] << " (relative error " << error << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

RopeScaling parse(const nlohmann::json& rope_scaling,
                  DynamicArithmetic arithmetic = DynamicArithmetic::kFloat32) {
  return parse_rope_scaling({{"rope_scaling", rope_scaling}}, arithmetic);
}

// ---- Inverse frequencies ------------------------------------------------------------------------

TEST(RopeScaling, NoneAndDefaultArePlainRope) {
  for (const nlohmann::json& value :
       {nlohmann::json(nullptr), nlohmann::json{{"rope_type", "default"}},
        nlohmann::json{{"type", "default"}}}) {
    const RopeScaling s = parse(value);
    EXPECT_FALSE(s.enabled()) << value.dump();
    const RotaryParameters p = rotary_parameters(s, 64, 10000.0, 128, 500);
    EXPECT_TRUE(relatively_close(p.inv_freq, plain_inverse_frequencies(64, 10000.0), 1e-6));
    EXPECT_EQ(p.angles.position_divisor, 1.0f);
    EXPECT_EQ(p.angles.attention_factor, 1.0f);
  }
  EXPECT_FALSE(parse_rope_scaling(nlohmann::json::object(), DynamicArithmetic::kFloat32).enabled());
}

TEST(RopeScaling, LinearPositionPAtFactorFIsUnscaledPositionPOverF) {
  // Factor 4: position 4k of the scaled table is position k of the plain one, bit for bit (the
  // f32 division by 4 is exact).
  const RopeScaling s = parse({{"type", "linear"}, {"factor", 4.0}});
  ASSERT_EQ(s.type, RopeScalingType::kLinear);
  const RotaryParameters p = rotary_parameters(s, 32, 10000.0, 64, 400);
  const ops::RotaryTable scaled(p.inv_freq, 400, p.angles);
  const ops::RotaryTable plain(32, 10000.0, 100);
  for (int64_t k = 0; k < 100; ++k) {
    for (int64_t i = 0; i < 16; ++i) {
      ASSERT_EQ(scaled.cos(4 * k)[i], plain.cos(k)[i]) << "position " << 4 * k << ", i " << i;
      ASSERT_EQ(scaled.sin(4 * k)[i], plain.sin(k)[i]) << "position " << 4 * k << ", i " << i;
    }
  }
  // A factor that is not a power of two: cos(p / f · inv) in double, within f32 rounding.
  const RopeScaling odd = parse({{"rope_type", "linear"}, {"factor", 3.0}});
  const RotaryParameters q = rotary_parameters(odd, 16, 10000.0, 64, 50);
  const ops::RotaryTable table(q.inv_freq, 50, q.angles);
  const std::vector<double> inv = plain_inverse_frequencies(16, 10000.0);
  for (int64_t position = 0; position < 50; ++position) {
    for (int64_t i = 0; i < 8; ++i) {
      EXPECT_NEAR(table.cos(position)[i], std::cos(position / 3.0 * inv[i]), 2e-5);
      EXPECT_NEAR(table.sin(position)[i], std::sin(position / 3.0 * inv[i]), 2e-5);
    }
  }
}

TEST(RopeScaling, DynamicIsPlainUpToMaxPositionsAndNtkBeyond) {
  for (DynamicArithmetic arithmetic : {DynamicArithmetic::kFloat32, DynamicArithmetic::kFloat64}) {
    SCOPED_TRACE(arithmetic == DynamicArithmetic::kFloat32 ? "f32" : "f64");
    const RopeScaling s = parse({{"type", "dynamic"}, {"factor", 2.0}}, arithmetic);
    ASSERT_EQ(s.type, RopeScalingType::kDynamic);
    const std::vector<float> plain = ops::rotary_inverse_frequencies(64, 10000.0);
    for (int64_t tokens : {1, 100, 128}) {
      EXPECT_EQ(rotary_parameters(s, 64, 10000.0, 128, tokens).inv_freq, plain) << tokens;
    }
    for (int64_t tokens : {129, 300, 4000}) {
      const std::vector<float> scaled = rotary_parameters(s, 64, 10000.0, 128, tokens).inv_freq;
      EXPECT_NE(scaled, plain) << tokens;
      EXPECT_EQ(scaled[0], 1.0f);  // theta'^0
      EXPECT_TRUE(relatively_close(
          scaled, dynamic_ntk_inverse_frequencies(64, 10000.0, 2.0, 128, tokens), 1e-5))
          << tokens;
    }
    // Rotary dimension 4: the exponent d/(d-2) is 2 (PyTorch squares in f32).
    EXPECT_TRUE(relatively_close(rotary_parameters(s, 4, 10000.0, 16, 40).inv_freq,
                                 dynamic_ntk_inverse_frequencies(4, 10000.0, 2.0, 16, 40), 1e-5));
  }
}

TEST(RopeScaling, Llama3BandsWithLlama31Parameters) {
  // meta-llama/Llama-3.1-8B: head_dim 128, rope_theta 500000, and these rope_scaling values.
  const RopeScaling s = parse({{"factor", 8.0},
                               {"low_freq_factor", 1.0},
                               {"high_freq_factor", 4.0},
                               {"original_max_position_embeddings", 8192},
                               {"rope_type", "llama3"}});
  ASSERT_EQ(s.type, RopeScalingType::kLlama3);
  const std::vector<float> got = rotary_parameters(s, 128, 500000.0, 131072, 10).inv_freq;
  const std::vector<double> plain = plain_inverse_frequencies(128, 500000.0);
  ASSERT_EQ(got.size(), 64u);
  int counts[3] = {0, 0, 0};
  for (size_t i = 0; i < got.size(); ++i) {
    Band band;
    const double expected = llama3_inverse_frequency(plain[i], 8.0, 1.0, 4.0, 8192.0, &band);
    ++counts[static_cast<int>(band)];
    EXPECT_NEAR(got[i], expected, 5e-6 * expected) << "i " << i;
    if (band == Band::kHigh) {
      EXPECT_NEAR(got[i], plain[i], 2e-6 * plain[i]) << "i " << i;
    } else if (band == Band::kLow) {
      EXPECT_NEAR(got[i], plain[i] / 8, 2e-6 * plain[i] / 8) << "i " << i;
    }
  }
  // All three bands occur: wavelengths below 2048 (i <= 28), 2048..8192 (29..34), above (35..).
  EXPECT_EQ(counts[static_cast<int>(Band::kHigh)], 29);
  EXPECT_EQ(counts[static_cast<int>(Band::kMedium)], 6);
  EXPECT_EQ(counts[static_cast<int>(Band::kLow)], 29);
  EXPECT_EQ(got[0], 1.0f);
}

TEST(RopeScaling, YarnRampAndAttentionFactor) {
  // Qwen2.5's documented long-context setting.
  const RopeScaling s =
      parse({{"factor", 4.0}, {"original_max_position_embeddings", 32768}, {"type", "yarn"}});
  ASSERT_EQ(s.type, RopeScalingType::kYarn);
  const RotaryParameters p = rotary_parameters(s, 128, 1000000.0, 32768, 10);
  EXPECT_TRUE(
      relatively_close(p.inv_freq, yarn_inverse_frequencies(128, 1000000.0, 4.0, 32768.0), 5e-6));
  const float attention_factor = static_cast<float>(0.1 * std::log(4.0) + 1.0);
  EXPECT_EQ(p.angles.attention_factor, attention_factor);
  const ops::RotaryTable table(p.inv_freq, 3, p.angles);
  EXPECT_EQ(table.cos(0)[5], attention_factor);  // cos(0) · attention_factor
  EXPECT_EQ(table.sin(0)[5], 0.0f);
  EXPECT_NEAR(table.cos(2)[0], std::cos(2.0) * attention_factor, 1e-6);

  // Without original_max_position_embeddings the model's max_position_embeddings is the original.
  const RopeScaling implicit = parse({{"rope_type", "yarn"}, {"factor", 2.0}});
  EXPECT_TRUE(relatively_close(rotary_parameters(implicit, 64, 10000.0, 2048, 1).inv_freq,
                               yarn_inverse_frequencies(64, 10000.0, 2.0, 2048.0), 5e-6));
  // Explicit attention_factor, and DeepSeek's mscale / mscale_all_dim ratio.
  EXPECT_EQ(rotary_parameters(parse({{"type", "yarn"}, {"factor", 4.0}, {"attention_factor", 1.5}}),
                              64, 10000.0, 2048, 1)
                .angles.attention_factor,
            1.5f);
  const RopeScaling deepseek =
      parse({{"type", "yarn"}, {"factor", 40.0}, {"mscale", 1.0}, {"mscale_all_dim", 0.707}});
  EXPECT_FLOAT_EQ(rotary_parameters(deepseek, 64, 10000.0, 4096, 1).angles.attention_factor,
                  static_cast<float>((0.1 * std::log(40.0) + 1) / (0.0707 * std::log(40.0) + 1)));
}

// ---- Parsing
// --------------------------------------------------------------------------------------

std::string config_error_key(const nlohmann::json& rope_scaling) {
  try {
    parse(rope_scaling);
  } catch (const ConfigError& e) {
    return e.key();
  }
  return "(no error)";
}

TEST(RopeScaling, RefusesWhatItDoesNotCompute) {
  for (const char* type : {"longrope", "su", "mrope", "ntk", "foo"}) {
    try {
      parse({{"rope_type", type}, {"factor", 2.0}});
      ADD_FAILURE() << type << " accepted";
    } catch (const UnsupportedError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(std::string("'") + type + "'"), std::string::npos) << message;
      EXPECT_NE(message.find("llama3"), std::string::npos) << message;
      EXPECT_NE(message.find("yarn"), std::string::npos) << message;
    }
  }
  EXPECT_EQ(config_error_key({{"type", "linear"}}), "rope_scaling.factor");
  EXPECT_EQ(config_error_key({{"type", "dynamic"}, {"factor", "2"}}), "rope_scaling.factor");
  EXPECT_EQ(config_error_key({{"type", "linear"}, {"factor", -2.0}}), "rope_scaling.factor");
  EXPECT_EQ(config_error_key({{"factor", 2.0}}), "rope_scaling.rope_type");
  EXPECT_EQ(config_error_key({{"rope_type", 3}, {"factor", 2.0}}), "rope_scaling.rope_type");
  EXPECT_EQ(config_error_key({{"rope_type", "llama3"},
                              {"factor", 8.0},
                              {"high_freq_factor", 4.0},
                              {"original_max_position_embeddings", 8192}}),
            "rope_scaling.low_freq_factor");
  EXPECT_EQ(config_error_key({{"rope_type", "llama3"},
                              {"factor", 8.0},
                              {"low_freq_factor", 1.0},
                              {"high_freq_factor", 4.0}}),
            "rope_scaling.original_max_position_embeddings");
  EXPECT_EQ(config_error_key({{"type", "yarn"}, {"factor", 2.0}, {"truncate", "no"}}),
            "rope_scaling.truncate");
  EXPECT_EQ(config_error_key("linear"), "rope_scaling");
  // Dynamic and implicit-original yarn need a positive max_position_embeddings (an absent key
  // is LlamaConfig's default 2048).
  nlohmann::json llama = nlohmann::json::parse(arch_by_family("llama").example_config);
  llama["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
  EXPECT_EQ(arch_by_family("llama").parse_config(llama).max_position_embeddings, 2048);
  llama["max_position_embeddings"] = 0;
  try {
    arch_by_family("llama").parse_config(llama);
    ADD_FAILURE() << "dynamic without max_position_embeddings accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "max_position_embeddings");
  }
}

TEST(RopeScaling, FamiliesReadItAndInfoShowsIt) {
  nlohmann::json neox = nlohmann::json::parse(arch_by_family("gpt_neox").example_config);
  neox["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
  const ModelConfig c = arch_by_family("gpt_neox").parse_config(neox);
  EXPECT_EQ(c.rope_scaling.type, RopeScalingType::kDynamic);
  EXPECT_EQ(c.rope_scaling.dynamic_arithmetic, DynamicArithmetic::kFloat64);
  EXPECT_NE(c.describe().find("rope_scaling: dynamic"), std::string::npos) << c.describe();
  for (std::string_view family : {"llama", "mistral", "qwen2", "gemma"}) {
    nlohmann::json j = nlohmann::json::parse(arch_by_family(family).example_config);
    j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 2.0}};
    const ModelConfig parsed = arch_by_family(family).parse_config(j);
    EXPECT_EQ(parsed.rope_scaling.type, RopeScalingType::kLinear) << family;
    EXPECT_EQ(parsed.rope_scaling.dynamic_arithmetic, DynamicArithmetic::kFloat32) << family;
    EXPECT_NE(parsed.describe().find("rope_scaling: linear (factor 2"), std::string::npos)
        << parsed.describe();
    EXPECT_EQ(parsed.rope_scaling.to_json()["rope_type"], "linear");
  }
}

// ---- Forward ------------------------------------------------------------------------------------

struct ScaledCase {
  std::string family;
  nlohmann::json rope_scaling;
  int64_t max_position_embeddings;
};

Tensor attention(const Model& model, const ForwardInput& input) {
  AttentionStore store;
  AttentionObserver* observers[] = {&store};
  model.forward(input, observers);
  return store.sequence(0);
}

TEST(RopeScaling, BlasForwardMatchesReferenceOnScaledConfigs) {
  const std::vector<ScaledCase> cases = {
      {"llama", {{"type", "linear"}, {"factor", 2.0}}, 64},
      {"llama", {{"type", "dynamic"}, {"factor", 3.0}}, 8},  // T = 13 > 8: NTK base
      {"llama",
       {{"rope_type", "llama3"},
        {"factor", 8.0},
        {"low_freq_factor", 1.0},
        {"high_freq_factor", 4.0},
        {"original_max_position_embeddings", 16}},
       64},
      {"qwen2", {{"type", "yarn"}, {"factor", 4.0}, {"original_max_position_embeddings", 8}}, 32},
      {"mistral", {{"type", "dynamic"}, {"factor", 2.0}}, 6},
      {"gemma", {{"rope_type", "yarn"}, {"factor", 2.0}}, 16},
      {"gpt_neox", {{"type", "linear"}, {"factor", 1.5}}, 64},
      {"gpt_neox", {{"type", "dynamic"}, {"factor", 2.0}}, 8},
  };
  for (const ScaledCase& sc : cases) {
    const ArchSpec& arch = arch_by_family(sc.family);
    nlohmann::json config = nlohmann::json::parse(arch.example_config);
    config["rope_scaling"] = sc.rope_scaling;
    config["max_position_embeddings"] = sc.max_position_embeddings;
    SCOPED_TRACE(sc.family + " " + sc.rope_scaling.dump());
    const Model model = testing::random_model(arch, config, 77);
    ASSERT_TRUE(model.config().rope_scaling.enabled());
    const ForwardInput input = ForwardInput::padded(
        {{3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 32, 38}, {2, 7, 18, 28, 18, 28}}, 0);
    const testing::ForwardPair run(model, input);
    EXPECT_TRUE(run.agree());
    for (int64_t b = 0; b < input.batch; ++b) {
      const Tensor got = run.fast_store.sequence(b);
      const int64_t window = model.config().sliding_window;
      const auto visible = [&](int64_t, int64_t query, int64_t key) {
        return key <= query && (window == 0 || query - key <= window) &&
               input.attention_mask[b * input.tokens + key] != 0;
      };
      EXPECT_TRUE(attention_invariants("attentions", got, visible));
    }

    // The scaling reaches the attention: the same weights without it attend differently.
    nlohmann::json plain_config = config;
    plain_config.erase("rope_scaling");
    const Model plain = testing::random_model(arch, plain_config, 77);
    const Tensor with = attention(model, input);
    const Tensor without = attention(plain, input);
    EXPECT_FALSE(all_close("scaled vs plain", with, without, 1e-6));
  }
}

TEST(RopeScaling, ForwardUnchangedWhereTheScalingIsIdentity) {
  // Dynamic below max_position_embeddings and linear with factor 1 give the plain model's
  // attention bit for bit.
  const ArchSpec& llama = arch_by_family("llama");
  nlohmann::json config = nlohmann::json::parse(llama.example_config);
  config["max_position_embeddings"] = 32;
  const ForwardInput input = ForwardInput::single({4, 8, 15, 16, 23, 42});
  const Tensor plain = attention(testing::random_model(llama, config, 5), input);
  for (const nlohmann::json& scaling : {nlohmann::json{{"type", "dynamic"}, {"factor", 4.0}},
                                        nlohmann::json{{"type", "linear"}, {"factor", 1.0}}}) {
    config["rope_scaling"] = scaling;
    EXPECT_TRUE(all_close(scaling.dump(), attention(testing::random_model(llama, config, 5), input),
                          plain, 0.0));
  }
}

}  // namespace
}  // namespace attnscope
