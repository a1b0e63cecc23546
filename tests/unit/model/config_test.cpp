#include "model/config.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "model/arch.h"

namespace attnscope {
namespace {

nlohmann::json llama_config() {
  return nlohmann::json::parse(arch_by_family("llama").example_config);
}

std::string config_error_key(const nlohmann::json& json) {
  try {
    find_arch(json).parse_config(json);
  } catch (const ConfigError& e) {
    return e.key();
  }
  return "(no error)";
}

TEST(ModelConfig, EveryExampleConfigParsesAndValidates) {
  for (const ArchSpec* arch : registered_archs()) {
    SCOPED_TRACE(std::string(arch->family));
    const nlohmann::json json = nlohmann::json::parse(arch->example_config);
    EXPECT_EQ(&find_arch(json), arch);
    const ModelConfig c = arch->parse_config(json);
    EXPECT_EQ(c.family, arch->family);
    EXPECT_NO_THROW(c.validate());
    EXPECT_FALSE(c.describe().empty());
  }
}

TEST(ModelConfig, HuggingFaceNamesAndDefaults) {
  const ModelConfig c = arch_by_family("llama").parse_config(llama_config());
  EXPECT_EQ(c.hidden_size, 32);
  EXPECT_EQ(c.num_key_value_heads, 2);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.norm, NormKind::kRmsNorm);
  EXPECT_EQ(c.position, PositionKind::kRotary);
  EXPECT_TRUE(c.causal);
  EXPECT_EQ(c.qkv_dim(), 32 + 2 * 16);

  const ModelConfig gpt2 = arch_by_family("gpt2").parse_config(
      nlohmann::json::parse(arch_by_family("gpt2").example_config));
  EXPECT_EQ(gpt2.intermediate_size, 4 * 32);  // n_inner: null
  EXPECT_EQ(gpt2.activation, Activation::kGeluTanh);
  EXPECT_TRUE(gpt2.tie_word_embeddings);

  const ModelConfig neox =
      arch_by_family("gpt_neox")
          .parse_config(nlohmann::json::parse(arch_by_family("gpt_neox").example_config));
  EXPECT_EQ(neox.rotary_dim(), 4);  // int(8 * 0.5)
  EXPECT_EQ(neox.residual, ResidualKind::kParallel);

  const ModelConfig gemma = arch_by_family("gemma").parse_config(
      nlohmann::json::parse(arch_by_family("gemma").example_config));
  EXPECT_EQ(gemma.head_dim, 12);              // explicit, not hidden / heads
  EXPECT_EQ(gemma.norm, NormKind::kRmsNorm);  // (1 + w) is folded into the weights at load
  EXPECT_FLOAT_EQ(gemma.embedding_scale, std::sqrt(32.0f));
}

TEST(ModelConfig, ValidationNamesTheKey) {
  nlohmann::json j = llama_config();
  j["num_attention_heads"] = 5;  // 32 % 5 != 0
  EXPECT_EQ(config_error_key(j), "num_attention_heads");
  j = llama_config();
  j["num_key_value_heads"] = 3;
  EXPECT_EQ(config_error_key(j), "num_key_value_heads");
  j = llama_config();
  j["hidden_size"] = -4;
  EXPECT_EQ(config_error_key(j), "hidden_size");
  j = llama_config();
  j.erase("intermediate_size");
  EXPECT_EQ(config_error_key(j), "intermediate_size");
  j = llama_config();
  j["hidden_act"] = "swiglu_typo";
  EXPECT_EQ(config_error_key(j), "hidden_act");
  j = llama_config();
  j["rms_norm_eps"] = "small";
  EXPECT_EQ(config_error_key(j), "rms_norm_eps");
  j = llama_config();
  j["num_hidden_layers"] = 0;
  EXPECT_EQ(config_error_key(j), "num_hidden_layers");
}

TEST(ModelConfig, ExplicitHeadDimAllowsIndivisibleHidden) {
  nlohmann::json j = llama_config();
  j["num_attention_heads"] = 5;
  j["num_key_value_heads"] = 5;
  j["head_dim"] = 8;
  const ModelConfig c = find_arch(j).parse_config(j);
  EXPECT_EQ(c.q_dim(), 40);
}

TEST(ModelConfig, UnsupportedFeaturesAreRefused) {
  nlohmann::json j = llama_config();
  j["rope_scaling"] = {{"type", "longrope"}, {"short_factor", {1.0}}, {"long_factor", {2.0}}};
  EXPECT_THROW(find_arch(j).parse_config(j), UnsupportedError);
  nlohmann::json bert = nlohmann::json::parse(arch_by_family("bert").example_config);
  bert["position_embedding_type"] = "relative_key";
  EXPECT_THROW(find_arch(bert).parse_config(bert), UnsupportedError);
}

TEST(ArchRegistry, FindsByArchitectureThenModelType) {
  EXPECT_EQ(find_arch({{"architectures", {"GPT2LMHeadModel"}}}).family, "gpt2");
  EXPECT_EQ(
      find_arch({{"architectures", {"LlamaForSequenceClassification"}}, {"model_type", "llama"}})
          .family,
      "llama");
  EXPECT_EQ(find_arch({{"model_type", "xlm-roberta"}}).family, "roberta");
  try {
    find_arch({{"architectures", {"T5ForConditionalGeneration"}}, {"model_type", "t5"}});
    FAIL();
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("GemmaForCausalLM"), std::string::npos);
  }
}

TEST(ArchRegistry, ExpectedTensorsUseCheckpointNames) {
  const ArchSpec& gpt2 = arch_by_family("gpt2");
  const ModelConfig c = gpt2.parse_config(nlohmann::json::parse(gpt2.example_config));
  const auto with = expected_tensors(gpt2, c, true);
  const auto without = expected_tensors(gpt2, c, false);
  ASSERT_EQ(with.size(), without.size());
  EXPECT_EQ(with.front().name, "transformer.wte.weight");
  EXPECT_EQ(without.front().name, "wte.weight");
  bool found_c_attn = false;
  for (const auto& t : without) {
    if (t.name == "h.0.attn.c_attn.weight") {
      found_c_attn = true;
      EXPECT_EQ(t.shape, (Shape{32, 96}));  // Conv1D: [in, out]
    }
  }
  EXPECT_TRUE(found_c_attn);
}

TEST(WeightReader, GlobMatching) {
  EXPECT_TRUE(glob_match("cls.*", "cls.predictions.bias"));
  EXPECT_TRUE(glob_match("*.attn.bias", "h.11.attn.bias"));
  EXPECT_FALSE(glob_match("*.attn.bias", "h.11.attn.c_attn.bias"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
}

}  // namespace
}  // namespace attnscope
