// attnscope info / tokenize with --model FILE.gguf on the shared GGUF files.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace attnscope
