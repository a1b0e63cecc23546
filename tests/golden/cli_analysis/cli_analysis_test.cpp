// `attnscope probe`, `similarity`, `compare` and the importance methods, run in-process as the
// binary runs them: the JSON keys docs/analysis.md promises (stable for scripts), consistent
// numbers, every --help example that needs only the demo model, and model folders without
// tokenizer files (--ids).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/tensor.h"
#include "io/safetensors.h"
#include "support/cli_harness.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

using testing::CliResult;
using testing::run_cli;

nlohmann::ordered_json run_json(const std::vector<std::string>& args) {
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.error;
  if (r.exit_code != 0) return nullptr;
  return nlohmann::ordered_json::parse(r.out);
}

std::vector<std::string> keys(const nlohmann::ordered_json& object) {
  std::vector<std::string> out;
  for (const auto& [key, value] : object.items()) out.push_back(key);
  return out;
}

// Points the demo model's cache at a fresh folder for the whole test program.
class DemoCache : public ::testing::Environment {
 public:
  void SetUp() override { ::setenv("XDG_CACHE_HOME", dir_.path().string().c_str(), 1); }

 private:
  testing::TempDir dir_{"cli-analysis"};
};
const auto* const kDemoCache = ::testing::AddGlobalTestEnvironment(new DemoCache);

TEST(CliProbe, StableJsonKeysAndTheDemoInductionHead) {
  const auto out = run_json({"probe", "--model", "demo", "--format", "json"});
  ASSERT_FALSE(out.is_null());
  ASSERT_EQ(out["heads"].size(), 8u);
  EXPECT_EQ(keys(out["heads"][0]),
            (std::vector<std::string>{"layer", "head", "previous_token_score",
                                      "duplicate_token_score", "induction_score", "pattern"}));
  EXPECT_EQ(out["top"]["induction_score"][0]["layer"], 1);
  EXPECT_EQ(out["top"]["induction_score"][0]["head"], 0);
  EXPECT_GE(out["heads"][4]["induction_score"].get<double>(), 0.9);
  EXPECT_EQ(out["heads"][4]["pattern"], "induction");
  const CliResult csv = run_cli({"probe", "--model", "demo", "--format", "csv", "--top", "1"});
  EXPECT_EQ(csv.out,
            "layer,head,previous_token_score,duplicate_token_score,induction_score,pattern\n" +
                csv.out.substr(csv.out.find('\n') + 1));
  EXPECT_EQ(csv.out.substr(csv.out.find('\n') + 1, 4), "1,0,");
  EXPECT_EQ(run_cli({"probe", "--model", "demo", "--n", "1"}).exit_code, 2);
  EXPECT_EQ(run_cli({"probe", "--model", "demo", "--sort", "entropy"}).exit_code, 2);
}

TEST(CliSimilarity, StableJsonKeysScipyMergesAndClusters) {
  const auto out =
      run_json({"similarity", "--model", "demo", "--text", "the cat sat on the mat . the cat sat",
                "--cut", "3", "--format", "json"});
  ASSERT_FALSE(out.is_null());
  const size_t n = out["heads"].size();
  ASSERT_EQ(n, 8u);
  EXPECT_EQ(keys(out["heads"][0]), (std::vector<std::string>{"layer", "head", "pattern"}));
  ASSERT_EQ(out["distance"].size(), n);
  for (size_t a = 0; a < n; ++a) {
    EXPECT_EQ(out["distance"][a][a].get<double>(), 0.0);
    for (size_t b = 0; b < n; ++b) {
      EXPECT_EQ(out["distance"][a][b], out["distance"][b][a]);
      EXPECT_LE(out["distance"][a][b].get<double>(), std::log(2.0));
    }
  }
  ASSERT_EQ(out["merges"].size(), n - 1);
  double last = 0;
  for (size_t k = 0; k < n - 1; ++k) {
    const auto& m = out["merges"][k];
    EXPECT_LT(m[0].get<int>(), m[1].get<int>());  // SciPy: a < b
    EXPECT_LT(m[1].get<int>(), static_cast<int>(n + k));
    EXPECT_GE(m[2].get<double>(), last - 1e-12);  // average linkage is monotone
    last = m[2].get<double>();
  }
  EXPECT_EQ(out["merges"][n - 2][3], n);
  EXPECT_EQ(out["order"].size(), n);
  EXPECT_EQ(out["clusters"].size(), 3u);
  EXPECT_EQ(out["cluster_patterns"].size(), 3u);
  // --layers / --heads select; both cuts at once are a usage error.
  const auto one = run_json({"similarity", "--model", "demo", "--text", "a b c a b c", "--layers",
                             "1", "--heads", "0-2", "--format", "json"});
  EXPECT_EQ(one["heads"].size(), 3u);
  EXPECT_EQ(
      run_cli({"similarity", "--model", "demo", "--text", "a", "--cut", "2", "--threshold", "0.1"})
          .exit_code,
      2);
  // An empty text is one BOS token: every row is [1], no head has a pattern, and the table says
  // no "mostly" without one.
  const CliResult empty = run_cli({"similarity", "--model", "demo", "--text", ""});
  ASSERT_EQ(empty.exit_code, 0) << empty.error;
  EXPECT_EQ(empty.out.find("mostly )"), std::string::npos) << empty.out;
  EXPECT_EQ(empty.out.find(", )"), std::string::npos) << empty.out;
  EXPECT_NE(empty.out.find("heads):"), std::string::npos) << empty.out;
}

TEST(CliCompare, JsonAndErrors) {
  const auto out = run_json({"compare", "--model", "demo", "--text", "the cat sat on the mat",
                             "--text", "the dog sat on the mat", "--format", "json"});
  ASSERT_FALSE(out.is_null());
  EXPECT_EQ(out["aligned"].size(), 6u);
  ASSERT_EQ(out["heads"].size(), 8u);
  EXPECT_EQ(keys(out["heads"][0])[0], "layer");
  EXPECT_EQ(keys(out["heads"][0])[1], "head");
  EXPECT_TRUE(out["heads"][0]["change"].contains("entropy"));
  EXPECT_FALSE(out["most_changed"].empty());
  const CliResult one_text = run_cli({"compare", "--model", "demo", "--text", "a"});
  EXPECT_EQ(one_text.exit_code, 1);
  EXPECT_NE(one_text.error.find("two inputs"), std::string::npos) << one_text.error;
}

TEST(CliHelp, ExamplesOfTheNewCommandsRun) {
  for (const std::string command : {"probe", "similarity", "compare"}) {
    const CliResult help = run_cli({command, "--help"});
    ASSERT_EQ(help.exit_code, 0);
    std::istringstream lines(help.out);
    int examples = 0;
    for (std::string line; std::getline(lines, line);) {
      const std::string prefix = "  attnscope " + command + " ";
      if (line.rfind(prefix, 0) != 0) continue;
      std::vector<std::string> args = {command};
      std::string word;
      bool quoted = false, in_word = false;
      for (char c : line.substr(prefix.size())) {
        if (c == '"') {
          quoted = !quoted;
          in_word = true;
        } else if (c == ' ' && !quoted) {
          if (in_word) args.push_back(word);
          word.clear();
          in_word = false;
        } else {
          word += c;
          in_word = true;
        }
      }
      if (in_word) args.push_back(word);
      const CliResult r = run_cli(args);
      EXPECT_EQ(r.exit_code, 0) << line << ": " << r.error;
      EXPECT_FALSE(r.out.empty()) << line;
      ++examples;
    }
    EXPECT_GE(examples, 3) << command << ":\n" << help.out;
  }
}

// A model folder with config.json and weights only: --ids works (tokens shown by id), --text
// says what is missing.
TEST(CliNoTokenizer, IdsWorkWithoutTokenizerFiles) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  testing::TempDir dir("no-tokenizer");
  for (const char* file : {"config.json", "model.safetensors"}) {
    std::filesystem::create_symlink(shared / "models/tiny-gpt2" / file, dir.path() / file);
  }
  const std::string model = dir.path().string();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"importance", "--model", model, "--ids", "1,2,3,4"},
           {"analyze", "--model", model, "--ids", "1,2,3,4"},
           {"probe", "--model", model, "--n", "5", "--batches", "1"},
           {"similarity", "--model", model, "--ids", "1,2,3,4"},
           {"compare", "--model", model, "--ids", "1,2,3", "--ids", "1,2,4"}}) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.error;
  }
  const CliResult text = run_cli({"importance", "--model", model, "--text", "hello"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.error.find("no tokenizer files"), std::string::npos) << text.error;
  EXPECT_NE(text.error.find("--ids"), std::string::npos) << text.error;
}

}  // namespace
}  // namespace attnscope

namespace attnscope {
namespace {

TEST(CliConsistency, NearestCommandHelpCommandAndUsageErrorPrefix) {
  const CliResult typo = testing::run_cli({"analyse", "--model", "demo"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.error.find("did you mean 'analyze'?"), std::string::npos) << typo.error;
  const CliResult far = testing::run_cli({"xyzzy"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.error.find("did you mean"), std::string::npos) << far.error;
  const CliResult help = testing::run_cli({"help", "probe"});
  EXPECT_EQ(help.exit_code, 0) << help.error;
  EXPECT_NE(help.out.find("--batches"), std::string::npos) << help.out;
  EXPECT_EQ(testing::run_cli({"help"}).exit_code, 0);
  EXPECT_EQ(testing::run_cli({"help", "nope"}).exit_code, 2);
  // --max-memory is honoured by the new commands.
  for (const std::string command : {"probe", "similarity", "compare"}) {
    std::vector<std::string> args = {command, "--model", "demo", "--max-memory", "1K"};
    if (command == "similarity") args.insert(args.end(), {"--text", "a b"});
    if (command == "compare") args.insert(args.end(), {"--text", "a", "--text", "b"});
    const CliResult r = testing::run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_NE(r.error.find("--max-memory"), std::string::npos) << command << ": " << r.error;
  }
  // CLI11's own messages get the one-line prefix and exit 2.
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"probe", "--model", "demo", "--n", "1"},
                                             {"probe", "--model", "demo", "--no-such-option"},
                                             {"probe"},
                                             {}}) {
    const CliResult r = testing::run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.error;
    EXPECT_EQ(r.error.rfind("attnscope: error: ", 0), 0u) << r.error;
    EXPECT_EQ(std::count(r.error.begin(), r.error.end(), '\n'), 1) << r.error;
  }
}

}  // namespace
}  // namespace attnscope

namespace attnscope {
namespace {

TEST(CliImportance, MethodsAllVisibleOnlyTargetAndLimits) {
  const auto all = run_json({"importance", "--model", "demo", "--text", "the cat sat on the mat",
                             "--method", "all", "--format", "json"});
  ASSERT_FALSE(all.is_null());
  EXPECT_EQ(all["method"], "all");
  EXPECT_EQ(all["target"], 6);
  EXPECT_EQ(keys(all["methods"]), (std::vector<std::string>{"raw", "rollout", "flow", "norm"}));
  for (const auto& [method, list] : all["methods"].items()) {
    double total = 0;
    for (const auto& t : list) total += t["score"].get<double>();
    EXPECT_NEAR(total, 1.0, 1e-6) << method;
    EXPECT_EQ(keys(list[0]),
              (std::vector<std::string>{"position", "token", "id", "score", "rank"}));
  }
  EXPECT_EQ(all["spearman"].size(), 6u);
  const auto raw = run_json({"importance", "--model", "demo", "--text", "the cat sat", "--method",
                             "raw", "--visible-only", "--format", "json"});
  EXPECT_EQ(raw["visible_only"], true);
  EXPECT_EQ(raw["causal"], true);
  const auto flow = run_json({"importance", "--model", "demo", "--text", "the cat sat", "--method",
                              "flow", "--target", "2", "--format", "json"});
  EXPECT_EQ(flow["target"], 2);
  EXPECT_EQ(flow["tokens"].size(), 4u);
  for (const auto& t : flow["tokens"]) {
    if (t["position"] == 3) {
      EXPECT_EQ(t["score"].get<double>(), 0.0);  // after the target
    }
  }
  EXPECT_EQ(run_cli({"importance", "--model", "demo", "--text", "a", "--method", "rollout",
                     "--visible-only"})
                .exit_code,
            1);
  EXPECT_EQ(run_cli({"importance", "--model", "demo", "--text", "a", "--method", "rollout",
                     "--target", "9"})
                .exit_code,
            1);
  EXPECT_EQ(
      run_cli({"importance", "--model", "demo", "--text", "a", "--method", "magic"}).exit_code, 2);
  // Flow above its size limit: refused before the forward pass, suggesting rollout.
  std::string long_text;
  for (int k = 0; k < 600; ++k) long_text += "the ";
  const CliResult big =
      run_cli({"importance", "--model", "demo", "--text", long_text, "--method", "flow"});
  EXPECT_EQ(big.exit_code, 1);
  EXPECT_NE(big.error.find("rollout"), std::string::npos) << big.error;
}

}  // namespace
}  // namespace attnscope

namespace attnscope {
namespace {

// Issue 10, item 7: perfectly uniform causal attention over 10 tokens. Plain raw ranks by
// position (w0 0.29 ... w9 0.01: key j is seen by 10 - j rows); --visible-only averages over the
// rows that see each key (w0 0.19 ... w9 0.065, docs/analysis.md).
TEST(CliImportance, UniformCausalAttentionRawAndVisibleOnly) {
  testing::TempDir dir("uniform");
  const int64_t T = 10;
  Tensor probs({1, 1, T, T});  // [layer, head, query_pos, key_pos]
  for (int64_t i = 0; i < T; ++i) {
    for (int64_t j = 0; j <= i; ++j) probs.data()[i * T + j] = 1.0f / static_cast<float>(i + 1);
  }
  SafetensorsWriter writer;
  writer.add_f32("attentions", probs);
  writer.set_metadata("causal", "true");
  const std::string file = dir.file("uniform.safetensors");
  writer.write(file);
  const auto score_of = [](const nlohmann::ordered_json& out, int64_t position) {
    for (const auto& t : out["tokens"]) {
      if (t["position"] == position) return t["score"].get<double>();
    }
    return -1.0;
  };
  const auto raw = run_json({"importance", "--attentions", file, "--format", "json"});
  EXPECT_NEAR(score_of(raw, 0), 0.293, 5e-4);
  EXPECT_NEAR(score_of(raw, 9), 0.010, 5e-4);
  const auto visible =
      run_json({"importance", "--attentions", file, "--visible-only", "--format", "json"});
  EXPECT_EQ(visible["visible_only"], true);
  EXPECT_NEAR(score_of(visible, 0), 0.189, 5e-4);
  EXPECT_NEAR(score_of(visible, 9), 0.065, 5e-4);
}

}  // namespace
}  // namespace attnscope

namespace attnscope {
namespace {

TEST(CliAnalyze, HeadsSelectsHeadsAndTheLayerMeans) {
  const auto all = run_json(
      {"analyze", "--model", "demo", "--text", "the cat sat on the mat", "--format", "json"});
  const auto some = run_json({"analyze", "--model", "demo", "--text", "the cat sat on the mat",
                              "--heads", "0,2", "--format", "json"});
  ASSERT_FALSE(all.is_null());
  ASSERT_FALSE(some.is_null());
  ASSERT_EQ(some["heads"].size(), 4u);  // 2 layers x heads 0 and 2
  for (const auto& h : some["heads"]) EXPECT_TRUE(h["head"] == 0 || h["head"] == 2) << h.dump();
  // A selected head's figures do not change; the layer mean is over the selected heads.
  EXPECT_EQ(some["heads"][1]["entropy"], all["heads"][2]["entropy"]);
  const double mean =
      (all["heads"][0]["first"].get<double>() + all["heads"][2]["first"].get<double>()) / 2;
  EXPECT_NEAR(some["layers"][0]["first"].get<double>(), mean, 1e-12);
  EXPECT_EQ(run_cli({"analyze", "--model", "demo", "--text", "a", "--heads", "4"}).exit_code, 1);
}

// analyze --probe runs the probe with its defaults first: the demo model's induction head (1.0,
// mixed on ordinary text) gets the pattern induction, and the JSON says which probe ran.
TEST(CliAnalyze, ProbeAddsTheInductionPattern) {
  const std::vector<std::string> base = {
      "analyze", "--model", "demo", "--text", "the cat sat on the mat", "--format", "json"};
  const auto plain = run_json(base);
  std::vector<std::string> with_probe = base;
  with_probe.push_back("--probe");
  const auto probed = run_json(with_probe);
  ASSERT_FALSE(plain.is_null());
  ASSERT_FALSE(probed.is_null());
  EXPECT_FALSE(plain.contains("probe"));
  EXPECT_NE(plain["heads"][4]["pattern"], "induction");
  EXPECT_EQ(probed["probe"]["n"], 20);
  EXPECT_EQ(probed["probe"]["batches"], 4);
  EXPECT_EQ(probed["probe"]["seed"], 0);
  EXPECT_EQ(probed["heads"][4]["layer"], 1);
  EXPECT_EQ(probed["heads"][4]["head"], 0);
  EXPECT_EQ(probed["heads"][4]["pattern"], "induction");
  EXPECT_GE(probed["heads"][4]["pattern_scores"]["induction"].get<double>(), 0.9);
  EXPECT_EQ(probed["layers"][1]["pattern_counts"]["induction"], 1);
  // The other heads keep their text patterns (the probe's random heads score near 0).
  for (size_t k = 0; k < 8; ++k) {
    if (k == 4) continue;
    EXPECT_EQ(probed["heads"][k]["pattern"], plain["heads"][k]["pattern"]) << k;
  }
  // The same head, same numbers, as `attnscope probe`.
  const auto probe = run_json({"probe", "--model", "demo", "--format", "json"});
  ASSERT_FALSE(probe.is_null());
  EXPECT_EQ(probed["heads"][4]["pattern_scores"]["induction"],
            probe["heads"][4]["induction_score"]);

  // Options: the probe's own, checked as `probe` checks them; a threshold by name.
  std::vector<std::string> strict = with_probe;
  strict.insert(strict.end(), {"--pattern-threshold", "induction=0.99"});
  const auto raised = run_json(strict);
  ASSERT_FALSE(raised.is_null());
  EXPECT_NE(raised["heads"][4]["pattern"], "induction");
  EXPECT_EQ(raised["pattern_thresholds"]["induction"], 0.99);
  std::vector<std::string> seeded = with_probe;
  seeded.insert(seeded.end(), {"--probe-n", "10", "--probe-batches", "2", "--probe-seed", "5"});
  const auto other = run_json(seeded);
  ASSERT_FALSE(other.is_null());
  EXPECT_EQ(other["probe"]["n"], 10);
  EXPECT_EQ(other["probe"]["batches"], 2);
  EXPECT_EQ(other["probe"]["seed"], 5);
  EXPECT_EQ(other["heads"][4]["pattern"], "induction");
  std::vector<std::string> bad_n = with_probe;
  bad_n.insert(bad_n.end(), {"--probe-n", "1"});
  EXPECT_EQ(run_cli(bad_n).exit_code, 2);
  EXPECT_EQ(run_cli({"analyze", "--model", "demo", "--text", "a", "--probe-n", "5"}).exit_code, 2)
      << "--probe-n needs --probe";
}

}  // namespace
}  // namespace attnscope
