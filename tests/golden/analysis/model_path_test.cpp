// `analyze --model` (live forward pass, streaming) agrees with `analyze --attentions` on Hugging
// Face's saved attention for the same text; several texts (--input .jsonl) give the mean and
// population std of the single-text figures; the demo model's designed heads get their
// designed pattern classes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/attention_analyzer.h"
#include "demo/demo_model.h"
#include "io/json_file.h"
#include "support/cli_harness.h"
#include "support/shared_data.h"

namespace attnscope {
namespace {

using testing::run_cli;

// Attention matches HF within 1e-5 per weight, so the figures (means of bounded sums of
// weights; distance scales with T) agree within a few 1e-4.
constexpr double kTolerance = 5e-4;

nlohmann::json analyze_json(const std::vector<std::string>& args) {
  std::vector<std::string> full = {"analyze", "--format", "json"};
  full.insert(full.end(), args.begin(), args.end());
  const auto result = run_cli(full);
  EXPECT_EQ(result.exit_code, 0) << result.error;
  return result.exit_code == 0 ? nlohmann::json::parse(result.out) : nlohmann::json();
}

const nlohmann::json& find_case(const nlohmann::json& index, const std::string& model,
                                const std::string& name) {
  for (const auto& c : index["cases"]) {
    if (c["model"] == "models/" + model && c["case"] == name) return c;
  }
  throw std::runtime_error("no golden case " + model + "/" + name);
}

void expect_same_heads(const nlohmann::json& live, const nlohmann::json& saved, bool compare_std) {
  ASSERT_EQ(live["heads"].size(), saved["heads"].size());
  for (size_t k = 0; k < live["heads"].size(); ++k) {
    const auto& a = live["heads"][k];
    const auto& b = saved["heads"][k];
    SCOPED_TRACE(::testing::Message() << "layer " << a["layer"] << " head " << a["head"]);
    for (const auto& [name, value] : b.items()) {
      // `special` needs the tokenizer's special-token mask, which the golden files lack.
      if (!value.is_number() || name.rfind("special", 0) == 0) continue;
      if (!compare_std && name.find("_std") != std::string::npos) continue;
      ASSERT_TRUE(a[name].is_number()) << name;
      EXPECT_NEAR(a[name].get<double>(), value.get<double>(), kTolerance) << name;
    }
  }
}

TEST(ModelPath, AgreesWithSavedAttention) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const nlohmann::json index =
      load_json_file((shared / "golden" / "attention" / "index.json").string());
  for (const std::string model : {"tiny-bert", "tiny-gpt2", "tiny-llama"}) {
    for (const std::string name : {"fox", "unicode"}) {
      SCOPED_TRACE(model + "/" + name);
      const auto& c = find_case(index, model, name);
      const nlohmann::json live = analyze_json({"--model", (shared / "models" / model).string(),
                                                "--text", c["text"].get<std::string>()});
      const nlohmann::json saved = analyze_json({"--attentions", (shared / c["file"]).string()});
      ASSERT_FALSE(live.is_null());
      EXPECT_EQ(live["causal"], c["causal"]);
      EXPECT_EQ(live["tokens"].size(), c["ids"].size());
      expect_same_heads(live, saved, false);
      // The live path knows the special tokens: BERT's [CLS]/[SEP], Llama's BOS; GPT-2 has none.
      EXPECT_TRUE(live["heads"][0]["special"].is_number());
      if (model == "tiny-gpt2") {
        EXPECT_EQ(live["heads"][0]["special"].get<double>(), 0.0);
      }
    }
  }
}

TEST(ModelPath, SeveralTextsGiveMeanAndPopulationStd) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const nlohmann::json index =
      load_json_file((shared / "golden" / "attention" / "index.json").string());
  const auto dir = std::filesystem::temp_directory_path() /
                   ("attnscope_model_path_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto jsonl = dir / "texts.jsonl";
  std::vector<nlohmann::json> singles;
  {
    std::ofstream out(jsonl);
    for (const std::string name : {"fox", "repeated"}) {
      const auto& c = find_case(index, "tiny-gpt2", name);
      out << nlohmann::json({{"text", c["text"]}}).dump() << "\n";
      singles.push_back(analyze_json({"--attentions", (shared / c["file"]).string()}));
    }
  }
  const nlohmann::json both =
      analyze_json({"--model", (shared / "models/tiny-gpt2").string(), "--input", jsonl.string()});
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(both.is_null());
  EXPECT_EQ(both["texts"], 2);
  ASSERT_EQ(both["tokens"].size(), 2u);
  for (size_t k = 0; k < both["heads"].size(); ++k) {
    for (const std::string name : {"entropy", "confidence", "previous", "distance"}) {
      const double a = singles[0]["heads"][k][name], b = singles[1]["heads"][k][name];
      EXPECT_NEAR(both["heads"][k][name].get<double>(), (a + b) / 2, kTolerance) << name;
      EXPECT_NEAR(both["heads"][k][name + "_std"].get<double>(), std::fabs(a - b) / 2, kTolerance)
          << name;
    }
  }
}

TEST(ModelPath, ImportanceAgreesWithSavedAttention) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const nlohmann::json index =
      load_json_file((shared / "golden" / "attention" / "index.json").string());
  const auto& c = find_case(index, "tiny-bert", "paragraph");
  const auto live = run_cli({"importance", "--model", (shared / "models/tiny-bert").string(),
                             "--text", c["text"].get<std::string>(), "--format", "json"});
  const auto saved =
      run_cli({"importance", "--attentions", (shared / c["file"]).string(), "--format", "json"});
  ASSERT_EQ(live.exit_code, 0) << live.error;
  ASSERT_EQ(saved.exit_code, 0) << saved.error;
  std::map<int64_t, double> saved_scores;
  const nlohmann::json saved_json = nlohmann::json::parse(saved.out);
  for (const auto& t : saved_json["tokens"]) {
    saved_scores[t["position"]] = t["score"];
  }
  const auto live_json = nlohmann::json::parse(live.out);
  ASSERT_EQ(live_json["tokens"].size(), saved_scores.size());
  EXPECT_EQ(live_json["tokens"][live_json["tokens"].size() - 1]["token"].is_string(), true);
  for (const auto& t : live_json["tokens"]) {
    EXPECT_NEAR(t["score"].get<double>(), saved_scores.at(t["position"]), 1e-6);
  }
}

TEST(ModelPath, AnalyzerApiOnAModelFolder) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  AttentionAnalyzer analyzer((shared / "models/tiny-gpt2").string());
  const auto patterns = analyzer.get_attention_patterns("The quick brown fox", {0, 2});
  ASSERT_EQ(patterns.layers.size(), 2u);
  EXPECT_EQ(patterns.layer_ids, (std::vector<int>{0, 2}));
  EXPECT_EQ(patterns.layers[0].shape(), (Shape{4, 4, 4}));
  EXPECT_TRUE(patterns.causal);
  const auto heads = AttentionAnalyzer::analyze_pattern(patterns.layer(1), patterns.special_mask);
  ASSERT_EQ(heads.size(), 4u);
  EXPECT_EQ(heads[0].layer, 2);
  const auto scores = analyzer.get_token_importance("The quick brown fox");
  ASSERT_EQ(scores.size(), 4u);
  EXPECT_EQ(scores[0].token, "The");  // text order
  double total = 0;
  for (const auto& s : scores) total += s.score;
  EXPECT_NEAR(total, 1.0, 1e-9);
}

TEST(ModelPath, DemoModelHeadsGetTheirDesignedPatterns) {
  const auto cache = std::filesystem::temp_directory_path() /
                     ("attnscope_demo_cache_" + std::to_string(::getpid()));
  ::setenv("XDG_CACHE_HOME", cache.string().c_str(), 1);
  const std::string text(demo::demo_sample_texts()[0]);
  const nlohmann::json out = analyze_json({"--model", "demo", "--text", text});
  std::filesystem::remove_all(cache);
  ASSERT_FALSE(out.is_null());
  int designed = 0;
  for (const demo::DemoHead& head : demo::demo_heads()) {
    if (head.expected_pattern.empty()) continue;
    for (const auto& h : out["heads"]) {
      if (h["layer"] != head.layer || h["head"] != head.head) continue;
      EXPECT_EQ(h["pattern"], std::string(head.expected_pattern))
          << "layer " << head.layer << " head " << head.head << ": " << h.dump();
      ++designed;
    }
  }
  EXPECT_GE(designed, 4);
}

}  // namespace
}  // namespace attnscope
