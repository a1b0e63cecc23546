// Config fields that change the forward maths (docs/architectures.md, "Config fields"): each is
// either computed as transformers 4.40.2 computes it (checked here, with a forward where it adds
// tensors) or refused with an UnsupportedError naming the field — never silently ignored.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "forward_pair.h"
#include "model/arch.h"
#include "model/attention_store.h"
#include "model/model.h"
#include "random_model.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

using testing::all_close;
using testing::max_abs;

nlohmann::json example(std::string_view family) {
  return nlohmann::json::parse(arch_by_family(family).example_config);
}

ModelConfig parse(const nlohmann::json& json) { return find_arch(json).parse_config(json); }

// The UnsupportedError message for `json`, or "" when it parses.
std::string unsupported(const nlohmann::json& json) {
  try {
    parse(json);
  } catch (const UnsupportedError& e) {
    return e.what();
  }
  return "";
}

bool has_tensor(const ArchSpec& arch, const ModelConfig& c, const std::string& name) {
  for (const ExpectedTensor& t : expected_tensors(arch, c, false)) {
    if (t.name == name) return true;
  }
  return false;
}

// The BLAS and the reference forward agree on a random model of this config.
void expect_forwards_agree(std::string_view family, const nlohmann::json& config) {
  const Model model = testing::random_model(arch_by_family(family), config, 31);
  EXPECT_TRUE(model.unused_tensors().empty());
  const ForwardInput input = ForwardInput::padded({{5, 3, 8, 2, 9, 4, 7}, {6, 2, 3}}, 0);
  EXPECT_TRUE(testing::ForwardPair(model, input).agree());
}

TEST(ConfigAudit, GemmaActivationIsHiddenActivationOnly) {
  // google/gemma-2b's config.json says hidden_act "gelu" and has no hidden_activation:
  // transformers 4.40.2 uses GELU-tanh and ignores hidden_act.
  nlohmann::json j = example("gemma");
  j.erase("hidden_activation");
  j["hidden_act"] = "gelu";
  EXPECT_EQ(parse(j).activation, Activation::kGeluTanh);
  j["hidden_activation"] = nullptr;
  EXPECT_EQ(parse(j).activation, Activation::kGeluTanh);
  j["hidden_activation"] = "gelu";  // the explicit legacy choice
  EXPECT_EQ(parse(j).activation, Activation::kGeluErf);
}

TEST(ConfigAudit, GemmaAttentionBias) {
  nlohmann::json j = example("gemma");
  j["attention_bias"] = true;
  const ModelConfig c = parse(j);
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_TRUE(c.attn_out_bias);
  EXPECT_FALSE(c.mlp_bias);
  EXPECT_TRUE(has_tensor(arch_by_family("gemma"), c, "layers.0.self_attn.o_proj.bias"));
  expect_forwards_agree("gemma", j);
}

TEST(ConfigAudit, LlamaBiasesAndAcceptedFields) {
  nlohmann::json j = example("llama");
  j["attention_bias"] = true;
  j["mlp_bias"] = true;
  j["pretraining_tp"] = 2;  // sliced projections in 4.40.2: the same sums
  const ModelConfig c = parse(j);
  EXPECT_TRUE(c.qkv_bias && c.attn_out_bias && c.mlp_bias);
  EXPECT_TRUE(has_tensor(arch_by_family("llama"), c, "layers.1.mlp.down_proj.bias"));
  expect_forwards_agree("llama", j);
  // Mistral and Qwen2 have no attention_bias / mlp_bias keys in 4.40.2: not read.
  for (std::string_view family : {"mistral", "qwen2"}) {
    nlohmann::json m = example(family);
    m["attention_bias"] = true;
    m["mlp_bias"] = true;
    const ModelConfig parsed = parse(m);
    EXPECT_FALSE(parsed.attn_out_bias) << family;
    EXPECT_FALSE(parsed.mlp_bias) << family;
    EXPECT_EQ(parsed.qkv_bias, family == "qwen2");
  }
}

TEST(ConfigAudit, RefusedFieldsAreNamed) {
  struct Case {
    std::string family, key;
    nlohmann::json value;
  };
  const std::vector<Case> cases = {
      {"bert", "position_embedding_type", "relative_key"},
      {"roberta", "position_embedding_type", "relative_key_query"},
      {"gemma", "attn_logit_softcapping", 50.0},
      {"gemma", "final_logit_softcapping", 30.0},
      {"gemma", "query_pre_attn_scalar", 144},
      {"llama", "partial_rotary_factor", 0.5},
      {"bert", "pruned_heads", {{"0", {1}}}},
      {"gpt2", "pruned_heads", {{"1", {0, 2}}}},
      {"distilbert", "pruned_heads", {{"0", {3}}}},
      {"gpt_neox", "pruned_heads", {{"0", {3}}}},
      {"qwen2", "pruned_heads", {{"0", {3}}}},
  };
  for (const Case& c : cases) {
    nlohmann::json j = example(c.family);
    j[c.key] = c.value;
    const std::string message = unsupported(j);
    EXPECT_NE(message.find(c.key), std::string::npos)
        << c.family << " " << c.key << ": '" << message << "'";
  }
  // Their harmless values still load.
  nlohmann::json j = example("gpt2");
  j["scale_attn_weights"] = true;
  j["scale_attn_by_inverse_layer_idx"] = false;
  j["reorder_and_upcast_attn"] = true;  // f32 upcast: the computation done here anyway
  j["pruned_heads"] = nlohmann::json::object();
  EXPECT_EQ(unsupported(j), "");
  nlohmann::json llama = example("llama");
  llama["partial_rotary_factor"] = 1.0;
  EXPECT_EQ(unsupported(llama), "");
}

// GPT2Attention's two score options: / sqrt(head_dim) unless scale_attn_weights is false, and
// / (layer_idx + 1) with scale_attn_by_inverse_layer_idx (Stanford CRFM's GPT-2 models).
TEST(ConfigAudit, Gpt2ScoreScalingOptions) {
  nlohmann::json j = example("gpt2");
  const ModelConfig plain = parse(j);
  j["scale_attn_by_inverse_layer_idx"] = true;
  const ModelConfig by_layer = parse(j);
  j["scale_attn_weights"] = false;
  const ModelConfig unscaled_by_layer = parse(j);
  const double root = std::sqrt(static_cast<double>(plain.head_dim));
  for (int64_t layer = 0; layer < plain.num_hidden_layers; ++layer) {
    EXPECT_DOUBLE_EQ(plain.attention_scale(layer), 1.0 / root);
    EXPECT_DOUBLE_EQ(by_layer.attention_scale(layer), 1.0 / root / static_cast<double>(layer + 1));
    EXPECT_DOUBLE_EQ(unscaled_by_layer.attention_scale(layer),
                     1.0 / static_cast<double>(layer + 1));
  }
  // The forward pass uses it: the fast and reference forwards agree, and the scores differ from
  // the unscaled model's in the layers where the factor differs.
  const ArchSpec& arch = arch_by_family("gpt2");
  const ForwardInput input = ForwardInput::single({3, 1, 4, 1, 5, 9, 2, 6});
  const testing::ForwardPair scaled(testing::random_model(arch, j, 77), input);
  EXPECT_TRUE(scaled.agree());
  const testing::ForwardPair unscaled(testing::random_model(arch, example("gpt2"), 77), input);
  EXPECT_FALSE(testing::all_close("attentions", scaled.fast_store.sequence(0),
                                  unscaled.fast_store.sequence(0), 1e-3));
}

TEST(ConfigAudit, HeadDimKeyOnlyWhereTransformersReadsIt) {
  // BERT, DistilBERT, GPT-2 and GPT-NeoX compute hidden / heads whatever "head_dim" says.
  for (std::string_view family : {"bert", "roberta", "distilbert", "gpt2", "gpt_neox"}) {
    nlohmann::json j = example(family);
    j["head_dim"] = 5;
    EXPECT_EQ(parse(j).head_dim, 8) << family;
  }
  nlohmann::json llama = example("llama");
  llama["head_dim"] = 16;
  EXPECT_EQ(parse(llama).head_dim, 16);
}

TEST(ConfigAudit, GptNeoxRotaryFraction) {
  nlohmann::json j = example("gpt_neox");
  j.erase("rotary_pct");
  j["partial_rotary_factor"] = 0.25;  // newer spelling
  EXPECT_EQ(parse(j).rotary_dim(), 2);
  j["rotary_pct"] = 0.5;  // the 4.40.2 key wins
  EXPECT_EQ(parse(j).rotary_dim(), 4);
  j.erase("rotary_pct");
  j.erase("partial_rotary_factor");
  EXPECT_EQ(parse(j).rotary_dim(), 2);  // GPTNeoXConfig default 0.25 of head_dim 8
  j["use_parallel_residual"] = false;
  j["attention_bias"] = false;
  const ModelConfig c = parse(j);
  EXPECT_EQ(c.residual, ResidualKind::kSequential);
  EXPECT_FALSE(c.qkv_bias);
  expect_forwards_agree("gpt_neox", j);
}

TEST(ConfigAudit, AbsentKeysTakeTheConfigClassDefaults) {
  // transformers 4.40.2 config class defaults; real config.json files usually set these.
  struct Case {
    std::string family;
    int64_t heads, kv_heads, max_positions;
  };
  for (const Case& c : std::vector<Case>{{"llama", 16, 16, 2048},
                                         {"mistral", 16, 8, 131072},
                                         {"qwen2", 32, 32, 32768},
                                         {"gemma", 16, 16, 8192}}) {
    nlohmann::json j = example(c.family);
    j["hidden_size"] = c.heads * 8;
    j["num_attention_heads"] = c.heads;
    j["head_dim"] = 8;
    j.erase("num_key_value_heads");
    j.erase("max_position_embeddings");
    const ModelConfig parsed = parse(j);
    EXPECT_EQ(parsed.num_key_value_heads, c.kv_heads) << c.family;
    EXPECT_EQ(parsed.max_position_embeddings, c.max_positions) << c.family;
    j["num_key_value_heads"] = nullptr;  // explicit null: as many as the query heads
    EXPECT_EQ(parse(j).num_key_value_heads, c.heads) << c.family;
  }
  nlohmann::json gemma = example("gemma");
  gemma.erase("head_dim");
  EXPECT_EQ(parse(gemma).head_dim, 256);  // GemmaConfig.head_dim, not hidden / heads
  nlohmann::json neox = example("gpt_neox");
  neox.erase("max_position_embeddings");
  EXPECT_EQ(parse(neox).max_position_embeddings, 2048);
  nlohmann::json roberta = example("roberta");
  roberta.erase("type_vocab_size");
  roberta.erase("layer_norm_eps");
  EXPECT_EQ(parse(roberta).type_vocab_size, 2);  // RobertaConfig keeps BERT's defaults
  EXPECT_EQ(parse(roberta).layer_norm_eps, 1e-12);
}

TEST(ConfigAudit, UnknownArchitectureListsFamiliesOnePerLine) {
  try {
    find_arch({{"architectures", {"T5ForConditionalGeneration"}}, {"model_type", "t5"}});
    FAIL();
  } catch (const UnsupportedError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'T5ForConditionalGeneration'"), std::string::npos) << message;
    EXPECT_NE(message.find("\n  gemma (model_type gemma): GemmaForCausalLM, GemmaModel"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("\n  roberta (model_type roberta xlm-roberta): RobertaModel, "
                           "RobertaForMaskedLM, RobertaForSequenceClassification, +7 more"),
              std::string::npos)
        << message;
    // One line per registered family after the heading.
    size_t lines = 0;
    for (size_t at = message.find('\n'); at != std::string::npos; at = message.find('\n', at + 1)) {
      ++lines;
    }
    EXPECT_EQ(lines, registered_archs().size());
  }
}

}  // namespace
}  // namespace attnscope
