// The families added as descriptions (issue 14): what each reads from config.json into the block
// description, the variants of a family that the golden data do not cover (checked BLAS forward
// against the reference forward on random weights), and the refusals, which name the field and
// its value.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "forward_pair.h"
#include "model/arch.h"
#include "model/model.h"
#include "random_model.h"

namespace attnscope {
namespace {

nlohmann::json example(std::string_view family) {
  return nlohmann::json::parse(arch_by_family(family).example_config);
}

ModelConfig parse(const nlohmann::json& json) { return find_arch(json).parse_config(json); }

std::string unsupported(const nlohmann::json& json) {
  try {
    parse(json);
  } catch (const UnsupportedError& e) {
    return e.what();
  }
  return "";
}

void expect_forwards_agree(std::string_view family, const nlohmann::json& config) {
  const Model model = testing::random_model(arch_by_family(family), config, 31);
  EXPECT_TRUE(model.unused_tensors().empty());
  const ForwardInput input = ForwardInput::padded({{5, 3, 8, 2, 9, 4, 7}, {6, 2, 3}}, 0);
  EXPECT_TRUE(testing::ForwardPair(model, input).agree());
}

TEST(Families, GptNeoLayerKindsAndWindow) {
  nlohmann::json j = example("gpt_neo");
  j["num_layers"] = 4;
  j["attention_types"] = {{{"global", "local"}, 2}};
  j["window_size"] = 4;
  const ModelConfig c = parse(j);
  // local: keys i − 4 < j ≤ i, i.e. 3 earlier keys.
  EXPECT_EQ(c.layer_windows, (std::vector<int64_t>{kNoWindow, 3, kNoWindow, 3}));
  EXPECT_EQ(c.score_scale, ScoreScale::kNone);
  j["attention_types"] = {{{"global", "sparse"}, 2}};
  const std::string message = unsupported(j);
  EXPECT_NE(message.find("attention_types"), std::string::npos) << message;
  EXPECT_NE(message.find("sparse"), std::string::npos) << message;
  j["attention_types"] = {{{"global"}, 3}};
  EXPECT_THROW(parse(j), ConfigError);  // 3 kinds for 4 layers
}

TEST(Families, RefusedVariantsNameFieldAndValue) {
  const auto expect_refused = [](std::string_view family, const std::string& key,
                                 const nlohmann::json& value) {
    nlohmann::json j = example(family);
    j[key] = value;
    const std::string message = unsupported(j);
    EXPECT_NE(message.find(key), std::string::npos) << family << ": " << message;
    EXPECT_NE(message.find(value.dump()), std::string::npos) << family << ": " << message;
  };
  nlohmann::json phi3 = example("phi3");
  phi3["rope_scaling"] = {{"type", "su"}, {"short_factor", {1.0}}, {"long_factor", {1.0}}};
  const std::string phi3_message = unsupported(phi3);
  EXPECT_NE(phi3_message.find("rope_scaling"), std::string::npos) << phi3_message;
  EXPECT_NE(phi3_message.find("su"), std::string::npos) << phi3_message;
  expect_refused("falcon", "alibi", true);
  expect_refused("phi", "qk_layernorm", true);
  expect_refused("bloom", "apply_residual_connection_post_layernorm", true);
  nlohmann::json moe = example("qwen2_moe");
  moe["mlp_only_layers"] = {0};
  EXPECT_NE(unsupported(moe).find("mlp_only_layers"), std::string::npos);
  nlohmann::json opt = example("opt");
  opt["word_embed_proj_dim"] = 16;
  EXPECT_NE(unsupported(opt).find("word_embed_proj_dim = 16"), std::string::npos);
}

TEST(Families, OptPostNormHasNoFinalNorm) {
  nlohmann::json j = example("opt");
  j["do_layer_norm_before"] = false;
  const ModelConfig c = parse(j);
  EXPECT_EQ(c.norm_placement, NormPlacement::kPostNorm);
  EXPECT_FALSE(c.final_norm);
  EXPECT_EQ(c.position_offset, 2);
  expect_forwards_agree("opt", j);
  j["layer_norm_elementwise_affine"] = false;
  EXPECT_EQ(parse(j).norm_affine, NormAffine::kNone);
  expect_forwards_agree("opt", j);
}

TEST(Families, FalconLayouts) {
  nlohmann::json j = example("falcon");  // new_decoder_architecture, 2 kv heads
  ModelConfig c = parse(j);
  EXPECT_EQ(c.num_key_value_heads, 2);
  EXPECT_EQ(c.residual, ResidualKind::kParallel);
  j["new_decoder_architecture"] = false;  // falcon-7b: multi-query, one shared norm
  c = parse(j);
  EXPECT_EQ(c.num_key_value_heads, 1);
  EXPECT_EQ(c.residual, ResidualKind::kParallelSharedNorm);
  expect_forwards_agree("falcon", j);
  j["multi_query"] = false;  // a kv head per query head, per-head [q, k, v]
  j["parallel_attn"] = false;
  c = parse(j);
  EXPECT_EQ(c.num_key_value_heads, 4);
  EXPECT_EQ(c.residual, ResidualKind::kSequential);
  expect_forwards_agree("falcon", j);
}

TEST(Families, StableLmVariants) {
  nlohmann::json j = example("stablelm");  // qk_layernorm and parallel residual on
  const ModelConfig c = parse(j);
  EXPECT_EQ(c.qk_norm, QkNorm::kPerHeadLayerNorm);
  EXPECT_EQ(c.residual, ResidualKind::kParallelSharedNorm);
  EXPECT_EQ(c.rotary_dim(), 4);  // int(0.5 · 8)
  j["qk_layernorm"] = false;
  j["use_parallel_residual"] = false;
  expect_forwards_agree("stablelm", j);
}

TEST(Families, MoeRoutingKnobs) {
  const ModelConfig mixtral = parse(example("mixtral"));
  EXPECT_EQ(mixtral.moe.weighting, ExpertWeighting::kRenormalised);
  EXPECT_TRUE(mixtral.layer_is_sparse(0));
  nlohmann::json j = example("qwen2_moe");  // decoder_sparse_step 2
  ModelConfig c = parse(j);
  EXPECT_EQ(c.moe.weighting, ExpertWeighting::kRaw);
  EXPECT_FALSE(c.layer_is_sparse(0));
  EXPECT_TRUE(c.layer_is_sparse(1));
  j["norm_topk_prob"] = true;
  j["decoder_sparse_step"] = 1;
  c = parse(j);
  EXPECT_EQ(c.moe.weighting, ExpertWeighting::kRenormalised);
  expect_forwards_agree("qwen2_moe", j);
  j["num_experts_per_tok"] = 5;  // more than the 4 experts
  EXPECT_THROW(parse(j), ConfigError);
}

TEST(Families, GptJRotaryDimAndOlmoClip) {
  nlohmann::json j = example("gptj");
  EXPECT_EQ(parse(j).rotary_dim(), 4);
  EXPECT_EQ(parse(j).rotary_style, RotaryStyle::kInterleaved);
  j["rotary_dim"] = nullptr;  // whole head
  EXPECT_EQ(parse(j).rotary_dim(), 8);
  j["rotary_dim"] = 10;
  EXPECT_THROW(parse(j), ConfigError);
  nlohmann::json olmo = example("olmo");
  EXPECT_EQ(parse(olmo).clip_qkv, 0.5);
  olmo["clip_qkv"] = -1.0;
  EXPECT_THROW(parse(olmo), ConfigError);
}

}  // namespace
}  // namespace attnscope
