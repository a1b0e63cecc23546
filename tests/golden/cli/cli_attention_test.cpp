// `attnscope attention` and `attnscope info` end to end: the written file must hold exactly the
// golden attention (and hidden states / logits) of Hugging Face for the same input, the keep-set
// options must select the right slices, and bad requests must fail without touching files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/mapped_file.h"
#include "io/safetensors.h"
#include "support/cli_harness.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using ::attnscope::testing::CliResult;
using ::attnscope::testing::run_cli;
using ::attnscope::testing::ScopedEnv;
using ::attnscope::testing::TempDir;

std::string join_ids(const std::vector<int64_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out;
}

float max_abs(const Tensor& t) {
  float m = 0;
  for (float v : t.values()) m = std::max(m, std::fabs(v));
  return m;
}

// Max |a - b| with the first index over `tolerance` reported.
void expect_close(const Tensor& got, const Tensor& want, float tolerance, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < got.numel(); ++i) {
    ASSERT_LE(std::fabs(got.data()[i] - want.data()[i]), tolerance)
        << what << ": first mismatch at flat index " << i << ": got " << got.data()[i] << ", want "
        << want.data()[i];
  }
}

TEST(CliAttention, IdsMatchGoldenAttentionHiddenStatesAndLogits) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir tmp;
  const SafetensorsFile golden(
      (shared / "golden/attention/tiny-qwen2/ids_len7.safetensors").string());
  const auto ids = golden.load_i64("input_ids");
  const auto out = tmp.file("qwen.safetensors");
  const CliResult run =
      run_cli({"attention", "--model", (shared / "models/tiny-qwen2").string(), "--ids",
               join_ids(ids), "--out", out, "--hidden-states", "--logits"});
  ASSERT_EQ(run.exit_code, 0) << run.error;

  const SafetensorsFile got(out);
  EXPECT_EQ(got.load_i64("input_ids"), ids);
  expect_close(got.load_f32("attentions"), golden.load_f32("attentions"), 1e-5f, "attentions");
  const Tensor hidden = golden.load_f32("hidden_states");
  expect_close(got.load_f32("hidden_states"), hidden, 1e-4f * max_abs(hidden), "hidden_states");
  const Tensor logits = golden.load_f32("logits");
  expect_close(got.load_f32("logits"), logits, 1e-4f * max_abs(logits), "logits");
  EXPECT_EQ(got.metadata().at("causal"), "true");
  EXPECT_EQ(got.metadata().at("layers"), "[0,1]");
}

// --preload (anywhere on the line) reads the weights at load and changes no number; the
// environment variable it sets takes only 0 or 1, and is as it was after the command.
TEST(CliAttention, PreloadGivesTheSameFile) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir tmp;
  const auto model = (shared / "models/tiny-llama").string();
  const auto plain = tmp.file("plain.safetensors"), preloaded = tmp.file("preloaded.safetensors");
  CliResult run = run_cli({"attention", "--model", model, "--ids", "1,5,9,2", "--out", plain});
  ASSERT_EQ(run.exit_code, 0) << run.error;
  run =
      run_cli({"--preload", "attention", "--model", model, "--ids", "1,5,9,2", "--out", preloaded});
  ASSERT_EQ(run.exit_code, 0) << run.error;
  EXPECT_EQ(read_file(plain), read_file(preloaded));
  EXPECT_EQ(std::getenv("ATTNSCOPE_PRELOAD"), nullptr);
  run = run_cli({"analyze", "--model", model, "--ids", "1,5,9,2", "--preload"});
  EXPECT_EQ(run.exit_code, 0) << run.error;
  const ScopedEnv bad("ATTNSCOPE_PRELOAD", "yes");
  run = run_cli({"analyze", "--model", model, "--ids", "1,5,9,2"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.error.find("ATTNSCOPE_PRELOAD"), std::string::npos) << run.error;
}

TEST(CliAttention, TextIsTokenizedLikeHuggingFace) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir tmp;
  const SafetensorsFile golden((shared / "golden/attention/tiny-gpt2/fox.safetensors").string());
  const auto out = tmp.file("fox.safetensors");
  const CliResult run = run_cli({"attention", "--model", (shared / "models/tiny-gpt2").string(),
                                 "--text", golden.metadata().at("text"), "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.error;
  const SafetensorsFile got(out);
  EXPECT_EQ(got.load_i64("input_ids"), golden.load_i64("input_ids"));
  expect_close(got.load_f32("attentions"), golden.load_f32("attentions"), 1e-5f, "attentions");
  const auto tokens = nlohmann::json::parse(got.metadata().at("tokens"));
  EXPECT_EQ(tokens.size(), golden.load_i64("input_ids").size());
  EXPECT_EQ(got.metadata().at("text"), golden.metadata().at("text"));
}

TEST(CliAttention, KeepsTheChosenLayersAndHeadsAsF16) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir tmp;
  const SafetensorsFile golden(
      (shared / "golden/attention/tiny-gpt2/repeated.safetensors").string());
  const auto ids = golden.load_i64("input_ids");
  const auto out = tmp.file("subset.safetensors");
  const CliResult run =
      run_cli({"attention", "--model", (shared / "models/tiny-gpt2").string(), "--ids",
               join_ids(ids), "--out", out, "--layers", "1-2", "--heads", "0,3", "--dtype", "f16"});
  ASSERT_EQ(run.exit_code, 0) << run.error;
  const SafetensorsFile got(out);
  EXPECT_EQ(got.get("attentions").dtype, DType::kF16);
  const Tensor subset = got.load_f32("attentions");
  const Tensor all = golden.load_f32("attentions");  // [3, 4, T, T]
  const auto t = static_cast<int64_t>(ids.size());
  ASSERT_EQ(subset.shape(), (Shape{2, 2, t, t}));
  const int layers[] = {1, 2};
  const int heads[] = {0, 3};
  for (int l = 0; l < 2; ++l) {
    for (int h = 0; h < 2; ++h) {
      for (int64_t i = 0; i < t; ++i) {
        for (int64_t j = 0; j < t; ++j) {
          const float want = all.at({layers[l], heads[h], i, j});
          ASSERT_NEAR(subset.at({l, h, i, j}), want, 1e-3f * std::max(1.0f, want))
              << "layer " << layers[l] << " head " << heads[h] << " at " << i << "," << j;
        }
      }
    }
  }
  EXPECT_EQ(got.metadata().at("layers"), "[1,2]");
  EXPECT_EQ(got.metadata().at("heads"), "[0,3]");
}

TEST(CliAttention, NeverOverwritesWithoutForce) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir tmp;
  const auto out = tmp.file("precious.safetensors");
  { std::ofstream(out) << "user data"; }
  const auto model = (shared / "models/tiny-gpt2").string();
  CliResult run = run_cli({"attention", "--model", model, "--ids", "1,2,3", "--out", out});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.error.find("already exists"), std::string::npos) << run.error;
  EXPECT_EQ(read_file(out), "user data");
  run = run_cli({"attention", "--model", model, "--ids", "1,2,3", "--out", out, "--force"});
  EXPECT_EQ(run.exit_code, 0) << run.error;
  EXPECT_EQ(SafetensorsFile(out).load_i64("input_ids"), (std::vector<int64_t>{1, 2, 3}));
}

TEST(CliAttention, MemoryGuardRefusesAndSuggests) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir tmp;
  const auto out = tmp.file("big.safetensors");
  std::string ids = "1";
  for (int i = 0; i < 100; ++i) ids += ",2";
  // tiny-qwen2 weights are ~0.5 MiB; 2 layers x 4 heads x 101^2 f32 is ~0.3 MiB.
  const CliResult run = run_cli({"attention", "--model", (shared / "models/tiny-qwen2").string(),
                                 "--ids", ids, "--out", out, "--max-memory", "900K"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.error.find("above the memory budget"), std::string::npos) << run.error;
  EXPECT_NE(run.error.find("What would fit"), std::string::npos) << run.error;
  EXPECT_FALSE(fs::exists(out));
}

// long.txt in `dir`: 600 words, past tiny-gpt2's 128 positions.
std::string write_long_text(const TempDir& dir) {
  const auto text = dir.file("long.txt");
  std::ofstream f(text);
  for (int i = 0; i < 300; ++i) f << "hello world ";
  return text;
}

// A text longer than the model's position table: a clear error naming the limit, or --truncate;
// --input reads the text from a file; --dtype bf16 halves the attention.
TEST(CliAttention, LongInputFromAFileTruncatedToThePositionLimit) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir tmp;
  const auto model = (shared / "models/tiny-gpt2").string();  // n_positions 128
  const auto text = write_long_text(tmp);
  const auto out = tmp.file("long.safetensors");
  CliResult run = run_cli({"attention", "--model", model, "--input", text, "--out", out});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.error.find("takes at most 128; pass --truncate 128"), std::string::npos)
      << run.error;
  EXPECT_FALSE(fs::exists(out));
  run = run_cli({"attention", "--model", model, "--input", text, "--truncate", "128", "--dtype",
                 "bf16", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.error;
  const SafetensorsFile file(out);
  EXPECT_EQ(file.load_i64("input_ids").size(), 128u);
  run = run_cli({"analyze", "--attentions", out, "--format", "csv"});
  EXPECT_EQ(run.exit_code, 0) << run.error;
}

// analyze and importance take --truncate too: the long text is refused naming the file and the
// limit, and truncated it gives the figures of the truncated attention file.
TEST(CliAttention, AnalyzeAndImportanceTruncateLikeAttention) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir tmp;
  const auto model = (shared / "models/tiny-gpt2").string();  // n_positions 128
  const auto text = write_long_text(tmp);
  for (const char* command : {"analyze", "importance"}) {
    CliResult run = run_cli({command, "--model", model, "--input", text});
    EXPECT_EQ(run.exit_code, 1) << command;
    EXPECT_NE(run.error.find("takes at most 128; pass --truncate 128"), std::string::npos)
        << command << ": " << run.error;
  }
  CliResult run = run_cli({"analyze", "--model", model, "--input", text});
  EXPECT_NE(run.error.find("long.txt: the text has"), std::string::npos) << run.error;

  const auto out = tmp.file("cut.safetensors");
  run =
      run_cli({"attention", "--model", model, "--input", text, "--truncate", "128", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.error;
  const CliResult live = run_cli(
      {"analyze", "--model", model, "--input", text, "--truncate", "128", "--format", "json"});
  ASSERT_EQ(live.exit_code, 0) << live.error;
  const CliResult saved = run_cli({"analyze", "--attentions", out, "--format", "json"});
  ASSERT_EQ(saved.exit_code, 0) << saved.error;
  const auto a = nlohmann::json::parse(live.out), b = nlohmann::json::parse(saved.out);
  EXPECT_EQ(a.at("tokens").size(), 128u);
  ASSERT_EQ(a.at("heads").size(), b.at("heads").size());
  for (size_t k = 0; k < a.at("heads").size(); ++k) {
    EXPECT_EQ(a["heads"][k]["pattern"], b["heads"][k]["pattern"]) << k;
    EXPECT_NEAR(a["heads"][k]["entropy"].get<double>(), b["heads"][k]["entropy"].get<double>(),
                1e-4)
        << k;
  }
  run = run_cli({"importance", "--model", model, "--input", text, "--truncate", "128"});
  EXPECT_EQ(run.exit_code, 0) << run.error;
}

TEST(CliAttention, BadInputsAreClearErrors) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir tmp;
  const auto model = (shared / "models/tiny-gpt2").string();
  const auto out = tmp.file("x.safetensors");
  CliResult run = run_cli({"attention", "--model", model, "--ids", "1,x,3", "--out", out});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.error.find("'x'"), std::string::npos) << run.error;
  run = run_cli({"attention", "--model", model, "--ids", "1,99999999", "--out", out});
  EXPECT_EQ(run.exit_code, 1) << run.error;
  run = run_cli({"attention", "--model", model, "--ids", "1", "--layers", "7", "--out", out});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.error.find("layer"), std::string::npos) << run.error;
  run = run_cli({"attention", "--model", tmp.file("missing-model"), "--ids", "1", "--out", out});
  EXPECT_EQ(run.exit_code, 1) << run.error;
  run = run_cli({"attention", "--model", model, "--out", out});
  EXPECT_EQ(run.exit_code, 1) << run.error;  // neither --ids nor --text
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliInfo, ReportsConfigParametersAndCost) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto folder = shared / "models/tiny-llama";
  const CliResult run =
      run_cli({"info", "--model", folder.string(), "--format", "json", "--tokens", "64,128"});
  ASSERT_EQ(run.exit_code, 0) << run.error;
  const auto info = nlohmann::json::parse(run.out);
  const auto config = nlohmann::json::parse(read_file((folder / "config.json").string()));
  EXPECT_EQ(info["family"], "llama");
  EXPECT_EQ(info["num_hidden_layers"], config["num_hidden_layers"]);
  EXPECT_EQ(info["num_key_value_heads"], config["num_key_value_heads"]);
  // tiny-llama has tied embeddings and no lm_head tensor: every stored value is a parameter.
  int64_t stored = 0;
  const SafetensorsFile weights((folder / "model.safetensors").string());
  for (const auto& t : weights.tensors()) stored += t.numel();
  EXPECT_EQ(info["parameters"].get<int64_t>(), stored);
  const int64_t layers = config["num_hidden_layers"], heads = config["num_attention_heads"];
  EXPECT_EQ(info["capture_cost"][1]["tokens"], 128);
  EXPECT_EQ(info["capture_cost"][1]["attention_f32_bytes"].get<int64_t>(),
            layers * heads * 128 * 128 * 4);
  EXPECT_EQ(info["capture_cost"][1]["attention_f16_bytes"].get<int64_t>(),
            layers * heads * 128 * 128 * 2);
}

}  // namespace
}  // namespace attnscope
