// The dashboard on every model family of the golden index that ships no tokenizer (issue 14).
// Each such tiny model (../shared/models/tiny-*, ids only) is served from a temporary folder of
// symlinks: its config.json and model.safetensors plus stories260k-hf's tokenizer.model
// (SentencePiece, vocab 512: every id fits the models' vocab of 1000). /api/analyze,
// /api/attention and /api/importance (every method) must answer 200 with what the CLI prints
// for the same folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/attention_file.h"
#include "server_test_support.h"
#include "support/cli_harness.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kText = "Once upon a time, there was a little cat. The cat sat on the mat.";
constexpr int64_t kBorrowedVocab = 512;  // stories260k-hf/tokenizer.model

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// The model folders (relative to the shared folder) whose golden cases all feed ids only.
std::vector<std::string> families_without_tokenizer(const fs::path& shared) {
  std::vector<std::string> order;
  std::set<std::string> with_tokenizer;
  const nlohmann::json index = read_json(shared / "golden/attention/index.json");
  for (const auto& c : index.at("cases")) {
    const std::string model = c.at("model");
    if (std::find(order.begin(), order.end(), model) == order.end()) order.push_back(model);
    if (!c.at("tokenizer").is_null()) with_tokenizer.insert(model);
  }
  std::vector<std::string> out;
  for (const auto& m : order) {
    if (!with_tokenizer.contains(m)) out.push_back(m);
  }
  return out;
}

// {"model": id, "text": kText<extra>}
std::string body(const std::string& id, const std::string& extra = "") {
  std::string b = nlohmann::json{{"model", id}, {"text", kText}}.dump();
  b.pop_back();
  return b + extra + "}";
}

TEST(ApiFamilies, EveryTokenizerlessFamilyServesWhatTheCliPrints) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const fs::path tokenizer = shared / "models/stories260k-hf/tokenizer.model";
  const std::vector<std::string> families = families_without_tokenizer(shared);
  // The twelve families of issue 14 are among them (and the six V-1000 ones before).
  for (const char* name : {"tiny-gpt-neo", "tiny-gptj", "tiny-opt", "tiny-phi", "tiny-phi3",
                           "tiny-olmo", "tiny-stablelm", "tiny-starcoder2", "tiny-bloom",
                           "tiny-falcon", "tiny-mixtral", "tiny-qwen2-moe"}) {
    EXPECT_NE(std::find(families.begin(), families.end(), std::string("models/") + name),
              families.end())
        << name;
  }
  ASSERT_GE(families.size(), 18u);

  TempDir dir("api-families");
  TestServerOptions options;
  std::vector<std::pair<std::string, std::string>> served;  // id, folder (the CLI's --model)
  for (const auto& family : families) {
    const fs::path source = shared / family;
    const std::string id = fs::path(family).filename().string();
    const nlohmann::json config = read_json(source / "config.json");
    ASSERT_GE(config.at("vocab_size").get<int64_t>(), kBorrowedVocab) << family;
    const fs::path folder = dir.path() / id;
    fs::create_directories(folder);
    fs::create_symlink(source / "config.json", folder / "config.json");
    fs::create_symlink(source / "model.safetensors", folder / "model.safetensors");
    fs::create_symlink(tokenizer, folder / "tokenizer.model");
    options.dashboard.models.push_back(folder.string());
    served.emplace_back(id, folder.string());
  }
  TestServer server(options);
  EXPECT_TRUE(server.dashboard().warnings().empty());

  const std::vector<std::pair<std::string, std::vector<std::string>>> importance = {
      {"", {}},
      {R"(,"method": "raw", "visible_only": true)", {"--method", "raw", "--visible-only"}},
      {R"(,"method": "rollout")", {"--method", "rollout"}},
      {R"(,"method": "flow")", {"--method", "flow"}},
      {R"(,"method": "norm")", {"--method", "norm"}},
  };

  for (const auto& [id, folder] : served) {
    SCOPED_TRACE(id);
    // analyze: the same JSON as the CLI.
    const Reply analyze = server.post("/api/analyze", body(id));
    ASSERT_EQ(analyze.status, 200) << analyze.body.substr(0, 300);
    const CliResult cli =
        run_cli({"analyze", "--model", folder, "--text", kText, "--format", "json"});
    ASSERT_EQ(cli.exit_code, 0) << cli.error;
    EXPECT_EQ(analyze.body, cli.out);
    const auto analysis = nlohmann::json::parse(analyze.body);
    const auto tokens = analysis.at("tokens").get<std::vector<std::string>>();
    const int64_t t = static_cast<int64_t>(tokens.size());
    EXPECT_GT(t, 10);

    // attention, layer by layer: [heads][T][T], rows summing to 1, the CLI's values.
    const nlohmann::json info = nlohmann::json::parse(server.get("/api/models").body);
    nlohmann::json model;
    for (const auto& m : info.at("models")) {
      if (m.at("id") == id) model = m;
    }
    ASSERT_FALSE(model.is_null());
    const int64_t layers = model.at("layers");
    const int64_t heads = model.at("heads");
    TempDir out_dir("api-families-att");
    const std::string out = out_dir.file("a.safetensors");
    const CliResult cli_att =
        run_cli({"attention", "--model", folder, "--text", kText, "--out", out});
    ASSERT_EQ(cli_att.exit_code, 0) << cli_att.error;
    const analysis::AttentionFile file(out);
    EXPECT_EQ(file.tokens(0), tokens);
    for (int64_t layer = 0; layer < layers; ++layer) {
      SCOPED_TRACE("layer " + std::to_string(layer));
      const Reply r =
          server.post("/api/attention", body(id, R"(,"layer": )" + std::to_string(layer)));
      ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
      const auto j = nlohmann::json::parse(r.body);
      EXPECT_EQ(j.at("tokens").get<std::vector<std::string>>(), tokens);
      const auto& attention = j.at("attention");
      ASSERT_EQ(static_cast<int64_t>(attention.size()), heads);
      const Tensor expected = file.load_layer(0, layer);
      for (int64_t h = 0; h < heads; ++h) {
        ASSERT_EQ(static_cast<int64_t>(attention[h].size()), t);
        for (int64_t q = 0; q < t; ++q) {
          ASSERT_EQ(static_cast<int64_t>(attention[h][q].size()), t);
          double sum = 0;
          for (int64_t k = 0; k < t; ++k) {
            const double p = attention[h][q][k].get<double>();
            ASSERT_GE(p, 0.0);
            sum += p;
            ASSERT_EQ(static_cast<float>(p), expected.data()[(h * t + q) * t + k])
                << h << " " << q << " " << k;
          }
          ASSERT_NEAR(sum, 1.0, 1e-5) << "head " << h << " row " << q;
        }
      }
    }

    // importance, every method: the CLI's JSON.
    for (const auto& [extra, flags] : importance) {
      SCOPED_TRACE(extra);
      const Reply r = server.post("/api/importance", body(id, extra));
      ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
      std::vector<std::string> args = {"importance", "--model",  folder, "--text",
                                       kText,        "--format", "json"};
      args.insert(args.end(), flags.begin(), flags.end());
      const CliResult cli_imp = run_cli(args);
      ASSERT_EQ(cli_imp.exit_code, 0) << cli_imp.error;
      EXPECT_EQ(r.body, cli_imp.out);
    }
  }
}

}  // namespace
}  // namespace attnscope::testing
