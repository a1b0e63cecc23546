// attnscope info / tokenize and every model command with --model FILE.gguf on the shared GGUF
// files.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/json_file.h"
#include "io/safetensors.h"
#include "support/cli_harness.h"
#include "support/shared_data.h"

namespace attnscope {
namespace {

using ::attnscope::testing::run_cli;

TEST(CliGguf, InfoJsonGivesArchitectureHyperParametersAndTypeShares) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto r =
      run_cli({"info", "--model", (shared / "models/gguf/kquant-llama-mixed.gguf").string(),
               "--format", "json", "--tokens", "128"});
  ASSERT_EQ(r.exit_code, 0) << r.error;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["architecture"], "llama");
  EXPECT_EQ(j["hyperparameters"]["block_count"], 2);
  EXPECT_EQ(j["hyperparameters"]["attention.head_count_kv"], 2);
  EXPECT_EQ(j["tokenizer"]["model"], "none");
  EXPECT_EQ(j["tensor_count"], 21);
  double share = 0.0;
  std::map<std::string, int> counts;
  for (const auto& t : j["tensor_types"]) {
    share += t["share"].get<double>();
    counts[t["type"].get<std::string>()] = t["tensors"].get<int>();
  }
  EXPECT_NEAR(share, 1.0, 1e-9);
  EXPECT_EQ(counts, (std::map<std::string, int>{{"F32", 5}, {"Q4_K", 13}, {"Q6_K", 3}}));
  // 2 layers x 4 heads x 128 x 128 x 4 bytes.
  EXPECT_EQ(j["capture_cost"][0]["attention_f32_bytes"], 2 * 4 * 128 * 128 * 4);
}

TEST(CliGguf, InfoTable) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto r =
      run_cli({"info", "--model", (shared / "models/gguf/stories260k-hf-q4_0.gguf").string()});
  ASSERT_EQ(r.exit_code, 0) << r.error;
  EXPECT_NE(r.out.find("architecture: llama"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Q4_0: 31 tensors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tokenizer:    llama"), std::string::npos) << r.out;
}

TEST(CliGguf, TokenizeFromGgufMetadata) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto r =
      run_cli({"tokenize", "--model",
               (shared / "models/llamacpp-vocab-gguf/ggml-vocab-llama-spm.gguf").string(), "--text",
               "Hello world"});
  ASSERT_EQ(r.exit_code, 0) << r.error;
  EXPECT_EQ(nlohmann::json::parse(r.out)["ids"], nlohmann::json({1, 15043, 3186}));
  const auto none =
      run_cli({"tokenize", "--model", (shared / "models/gguf/kquant-llama-q4_k.gguf").string(),
               "--text", "a"});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.error.find("has no tokenizer"), std::string::npos) << none.error;
}

TEST(CliGguf, HostileGgufIsOneLineError) {
  const auto seed = ::attnscope::testing::source_dir() / "tests/fuzz/corpus/gguf/NE_TOO_BIG";
  const auto r = run_cli({"info", "--model", seed.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.error.find("more than int64 can count"), std::string::npos) << r.error;
  const auto missing = run_cli({"info", "--model", "/nonexistent/model.gguf"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.error.find("/nonexistent/model.gguf"), std::string::npos) << missing.error;
}

std::string gguf(const std::filesystem::path& shared, const std::string& name) {
  return (shared / "models/gguf" / (name + ".gguf")).string();
}

std::string id_list(const nlohmann::json& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + std::to_string(id.get<int64_t>());
  return out;
}

// `attention --model FILE.gguf --ids ...` writes the golden attention of the quantized file.
TEST(CliGguf, AttentionMatchesTheGoldenOfTheQuantizedFile) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const nlohmann::json index =
      load_json_file((shared / "golden/attention-gguf/index.json").string());
  int checked = 0;
  for (const auto& c : index.at("cases")) {
    if (c.at("gguf") != "models/gguf/stories260k-hf-q4_k.gguf" || c.at("case") != "ids_len7") {
      continue;
    }
    const std::string out =
        (std::filesystem::temp_directory_path() / "attnscope-cli-gguf.st").string();
    const auto r =
        run_cli({"attention", "--model", (shared / c.at("gguf").get<std::string>()).string(),
                 "--ids", id_list(c.at("ids")), "--out", out, "--force"});
    ASSERT_EQ(r.exit_code, 0) << r.error;
    const SafetensorsFile got(out);
    const SafetensorsFile golden((shared / c.at("file").get<std::string>()).string());
    const Tensor a = got.load_f32("attentions"), b = golden.load_f32("attentions");
    ASSERT_EQ(a.shape(), b.shape());
    float worst = 0.0f;
    for (int64_t i = 0; i < a.numel(); ++i) {
      worst = std::max(worst, std::fabs(a.data()[i] - b.data()[i]));
    }
    EXPECT_LE(worst, 1e-5f);
    std::filesystem::remove(out);
    ++checked;
  }
  EXPECT_EQ(checked, 1);
}

TEST(CliGguf, AnalysisCommandsRunOnAQuantizedFile) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const std::string model = gguf(shared, "stories260k-hf-q4_k");
  const std::string text = "Once upon a time there was a cat";
  const auto analyze = run_cli({"analyze", "--model", model, "--text", text, "--format", "json"});
  ASSERT_EQ(analyze.exit_code, 0) << analyze.error;
  const auto a = nlohmann::json::parse(analyze.out);
  EXPECT_EQ(a.at("heads").size(), 40u);    // 5 layers x 8 heads
  EXPECT_EQ(a.at("tokens").at(0), "<s>");  // the file's tokenizer adds BOS

  for (const char* method : {"raw", "rollout", "norm"}) {
    const auto r = run_cli(
        {"importance", "--model", model, "--text", text, "--method", method, "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << method << ": " << r.error;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("tokens").size(), a.at("tokens").size()) << method;
  }
  const auto probe = run_cli({"probe", "--model", model, "--format", "json"});
  ASSERT_EQ(probe.exit_code, 0) << probe.error;
  EXPECT_EQ(nlohmann::json::parse(probe.out).at("heads").size(), 40u);
  EXPECT_EQ(nlohmann::json::parse(probe.out).at("bos_id"), 1);

  const auto similarity =
      run_cli({"similarity", "--model", model, "--text", text, "--format", "json"});
  ASSERT_EQ(similarity.exit_code, 0) << similarity.error;
  EXPECT_EQ(nlohmann::json::parse(similarity.out).at("heads").size(), 40u);
}

// Quantization's effect (issue 15 section 6): the f32 file against its Q4_K copy changes some
// heads, the f32 file against itself none.
TEST(CliGguf, CompareTwoQuantizationsOfOneModel) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const std::string f32 = gguf(shared, "stories260k-hf-f32");
  const std::string q4 = gguf(shared, "stories260k-hf-q4_k");
  const std::string text = "Once upon a time there was a cat";
  const auto r =
      run_cli({"compare", "--model", f32, "--model", q4, "--text", text, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.error;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("heads").size(), 40u);
  double most = 0.0;
  for (const auto& h : j.at("heads")) most = std::max(most, h.at("js").get<double>());
  EXPECT_GT(most, 1e-4);
  const auto same =
      run_cli({"compare", "--model", f32, "--model", f32, "--text", text, "--format", "json"});
  ASSERT_EQ(same.exit_code, 0) << same.error;
  const auto same_json = nlohmann::json::parse(same.out);
  ASSERT_EQ(same_json.at("heads").size(), 40u);
  for (const auto& h : same_json.at("heads")) {
    EXPECT_EQ(h.at("js").get<double>(), 0.0);
  }
}

TEST(CliGguf, UnsupportedArchitectureIsOneLineError) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto r = run_cli({"analyze", "--model",
                          (shared / "models/llamacpp-vocab-gguf/ggml-vocab-gpt-2.gguf").string(),
                          "--text", "a"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.error.find("GGUF architecture 'gpt2'"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find('\n'), r.error.size() - 1) << r.error;
}

// info counts a GGUF file's weights at the file's size (no 2-bytes-per-parameter floor: they stay
// quantized in memory), plus the working memory of a run.
TEST(CliGguf, InfoGivesTheMemoryOfARunAtFileSize) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const std::string model = gguf(shared, "kquant-llama-q4_k");
  const auto r = run_cli({"info", "--model", model, "--format", "json", "--tokens", "64,512"});
  ASSERT_EQ(r.exit_code, 0) << r.error;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("runnable"), true);
  const uint64_t file_bytes = j.at("file_bytes");
  // 4.5 bits per value: the file is far below 2 bytes per parameter.
  EXPECT_LT(file_bytes, j.at("parameters").get<uint64_t>());
  for (const auto& c : j.at("capture_cost")) {
    EXPECT_EQ(c.at("weights_bytes").get<uint64_t>(), file_bytes);
    EXPECT_EQ(c.at("streaming_total_bytes").get<uint64_t>(),
              file_bytes + c.at("activation_bytes").get<uint64_t>());
    EXPECT_GE(c.at("total_f32_bytes").get<uint64_t>(),
              c.at("streaming_total_bytes").get<uint64_t>() +
                  c.at("attention_f32_bytes").get<uint64_t>());
  }
  const auto table = run_cli({"info", "--model", model});
  ASSERT_EQ(table.exit_code, 0) << table.error;
  EXPECT_NE(table.out.find("memory of a run (weights mapped at the file's size"), std::string::npos)
      << table.out;
  const auto vocab = run_cli(
      {"info", "--model", (shared / "models/llamacpp-vocab-gguf/ggml-vocab-gpt-2.gguf").string(),
       "--format", "json"});
  ASSERT_EQ(vocab.exit_code, 0) << vocab.error;
  EXPECT_EQ(nlohmann::json::parse(vocab.out).at("runnable"), false);
}

}  // namespace
}  // namespace attnscope
