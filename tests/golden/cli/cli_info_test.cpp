// `attnscope info --format json` prints the block description (the knobs the forward pass
// follows) that the table format shows, with the values each family's config.json implies.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_harness.h"
#include "support/shared_data.h"

namespace attnscope {
namespace {

using ::attnscope::testing::CliResult;
using ::attnscope::testing::run_cli;

nlohmann::json info_json(const std::filesystem::path& folder) {
  const CliResult run = run_cli({"info", "--model", folder.string(), "--format", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.error;
  return nlohmann::json::parse(run.out);
}

TEST(CliInfo, JsonDescribesTheBlock) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto models = shared / "models";

  const auto llama = info_json(models / "tiny-llama")["block"];
  EXPECT_EQ(llama["norm"]["kind"], "rms_norm");
  EXPECT_EQ(llama["norm"]["placement"], "pre_norm");
  EXPECT_EQ(llama["norm"]["affine"], "weight_only");
  EXPECT_EQ(llama["norm"]["final_norm"], true);
  EXPECT_EQ(llama["residual"], "sequential");
  EXPECT_EQ(llama["position"]["kind"], "rotary");
  EXPECT_EQ(llama["position"]["rotary_style"], "halves");
  EXPECT_TRUE(llama["position"]["offset"].is_null());
  EXPECT_EQ(llama["score_scale"], "inverse_sqrt_head_dim");
  EXPECT_EQ(llama["mlp"], "gated");
  EXPECT_TRUE(llama["attention_windows"].is_null());
  EXPECT_TRUE(llama["experts"].is_null());

  const auto bert = info_json(models / "tiny-bert")["block"];
  EXPECT_EQ(bert["norm"]["kind"], "layer_norm");
  EXPECT_EQ(bert["norm"]["placement"], "post_norm");
  EXPECT_EQ(bert["norm"]["affine"], "weight_and_bias");
  EXPECT_EQ(bert["norm"]["embedding_norm"], true);
  EXPECT_EQ(bert["norm"]["final_norm"], false);
  EXPECT_EQ(bert["position"]["kind"], "absolute");
  EXPECT_EQ(bert["position"]["offset"], 0);
  EXPECT_EQ(bert["position"]["ids"], "from_zero");
  EXPECT_TRUE(bert["position"]["rotary_dims"].is_null());

  // GPT-J: rotary on rotary_dim 8 entries, interleaved; attention and MLP share one norm.
  const auto gptj = info_json(models / "tiny-gptj")["block"];
  EXPECT_EQ(gptj["position"]["rotary_dims"], 8);
  EXPECT_EQ(gptj["position"]["rotary_style"], "interleaved");
  EXPECT_EQ(gptj["residual"], "parallel_shared_norm");
  EXPECT_EQ(gptj["biases"]["lm_head"], true);

  // GPT-Neo: no score scaling; layers global then local with window_size 4 (3 earlier keys).
  const auto neo = info_json(models / "tiny-gpt-neo")["block"];
  EXPECT_EQ(neo["score_scale"], "none");
  EXPECT_EQ(neo["attention_windows"], nlohmann::json::parse("[null, 3]"));

  const auto bloom = info_json(models / "tiny-bloom")["block"];
  EXPECT_EQ(bloom["position"]["kind"], "alibi");
  EXPECT_EQ(bloom["norm"]["embedding_norm"], true);

  const auto mixtral = info_json(models / "tiny-mixtral")["block"];
  EXPECT_EQ(mixtral["mlp"], "moe");
  EXPECT_EQ(mixtral["experts"]["num_experts"], 4);
  EXPECT_EQ(mixtral["experts"]["top_k"], 2);
  EXPECT_EQ(mixtral["experts"]["weighting"], "renormalised");

  const auto olmo = info_json(models / "tiny-olmo")["block"];
  EXPECT_EQ(olmo["norm"]["affine"], "none");
}

// Every knob the table prints is a key of the JSON block, for every family.
TEST(CliInfo, JsonBlockHasTheSameKeysForEveryFamily) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const char* expected[] = {"norm",
                            "residual",
                            "position",
                            "score_scale",
                            "layer_score_scale",
                            "attention_windows",
                            "sliding_window",
                            "qk_norm",
                            "clip_qkv",
                            "biases",
                            "mlp",
                            "activation",
                            "experts",
                            "embedding_scale",
                            "tie_word_embeddings"};
  for (const char* model : {"tiny-gpt2", "tiny-opt", "tiny-phi", "tiny-falcon", "tiny-stablelm",
                            "tiny-starcoder2", "tiny-qwen2-moe", "tiny-distilbert"}) {
    const auto block = info_json(shared / "models" / model)["block"];
    ASSERT_TRUE(block.is_object()) << model;
    EXPECT_EQ(block.size(), std::size(expected)) << model;
    for (const char* key : expected) EXPECT_TRUE(block.contains(key)) << model << ": " << key;
  }
}

}  // namespace
}  // namespace attnscope
