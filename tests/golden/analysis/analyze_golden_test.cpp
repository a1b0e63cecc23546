// `attnscope analyze --attentions` and `attnscope importance --attentions` on every golden
// attention file of shared/golden/attention (Hugging Face transformers' probabilities) must
// print the figures that a plain, independent re-implementation of METRICS.md computes here
// directly from the same tensors. Causality comes from index.json.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "io/json_file.h"
#include "io/safetensors.h"
#include "support/cli_harness.h"
#include "support/shared_data.h"

namespace attnscope {
namespace {

using testing::run_cli;

// ---- The independent implementation: one function per figure, straight from METRICS.md. ----

struct Sequence {
  const float* probs;  // [layer, head, query_pos, key_pos] of this sequence
  int64_t heads, tokens;
  std::vector<int64_t> real;  // padded positions of real tokens
  bool causal;
};

// A[r][k] over real tokens r, k of (layer, head); 0 for invisible keys.
double weight(const Sequence& s, int64_t layer, int64_t head, int64_t r, int64_t k) {
  if (s.causal && k > r) return 0.0;
  const int64_t T = s.tokens;
  return s.probs[((layer * s.heads + head) * T + s.real[r]) * T + s.real[k]];
}

int64_t visible(const Sequence& s, int64_t r) {
  return s.causal ? r + 1 : static_cast<int64_t>(s.real.size());
}

std::map<std::string, double> reference_figures(const Sequence& s, int64_t layer, int64_t head) {
  const int64_t n = static_cast<int64_t>(s.real.size());
  const double nan = std::nan("");
  double entropy = 0, normalized = 0, self = 0;
  int64_t entropy_rows = 0;
  double confidence = 0, total = 0, distance = 0;
  double mx = -1, mn = 2;
  int64_t entries = 0;
  double previous = 0, first = 0, next = 0;
  int64_t after_first = 0, before_last = 0;
  for (int64_t r = 0; r < n; ++r) {
    const int64_t v = visible(s, r);
    double h = 0, row_max = 0, d = 0;
    for (int64_t k = 0; k < v; ++k) {
      const double a = weight(s, layer, head, r, k);
      if (a > 0) h -= a * std::log(a);
      row_max = std::max(row_max, a);
      mx = std::max(mx, a);
      mn = std::min(mn, a);
      total += a;
      ++entries;
      d += a * std::abs(static_cast<double>(r - k));
    }
    if (v >= 2) {
      entropy += h;
      normalized += h / std::log(static_cast<double>(v));
      self += weight(s, layer, head, r, r);
      ++entropy_rows;
    }
    confidence += row_max;
    distance += d;
    if (r >= 1) {
      previous += weight(s, layer, head, r, r - 1);
      first += weight(s, layer, head, r, 0);
      ++after_first;
    }
    if (r <= n - 2) {
      next += weight(s, layer, head, r, r + 1);
      ++before_last;
    }
  }
  auto mean = [&](double sum, int64_t count) { return count > 0 ? sum / count : nan; };
  std::map<std::string, double> f;
  f["entropy"] = mean(entropy, entropy_rows);
  f["normalized_entropy"] = mean(normalized, entropy_rows);
  f["self"] = mean(self, entropy_rows);
  f["confidence"] = mean(confidence, n);
  f["max"] = n > 0 ? mx : nan;
  f["min"] = n > 0 ? mn : nan;
  f["mean"] = mean(total, entries);
  f["previous"] = mean(previous, after_first);
  f["first"] = mean(first, after_first);
  f["next"] = mean(next, before_last);
  f["distance"] = mean(distance, n);
  f["distance_normalized"] = n > 1 ? f["distance"] / (n - 1) : 0.0;
  return f;
}

// Raw importance: mean over layers, heads, rows of A[i][j], normalised; over real tokens.
std::vector<double> reference_raw(const Sequence& s, int64_t layers) {
  const int64_t n = static_cast<int64_t>(s.real.size());
  std::vector<double> score(n, 0.0);
  for (int64_t l = 0; l < layers; ++l) {
    for (int64_t h = 0; h < s.heads; ++h) {
      for (int64_t r = 0; r < n; ++r) {
        for (int64_t k = 0; k < n; ++k) score[k] += weight(s, l, h, r, k);
      }
    }
  }
  double sum = 0;
  for (double x : score) sum += x;
  for (double& x : score) x /= sum;
  return score;
}

// ---- The golden cases. ----

struct Case {
  std::string name;  // model/case
  std::filesystem::path file;
  bool causal;
};

std::vector<Case> golden_cases(const std::filesystem::path& shared) {
  const nlohmann::json index =
      load_json_file((shared / "golden" / "attention" / "index.json").string());
  std::vector<Case> cases;
  for (const auto& c : index.at("cases")) {
    const std::string model = c.at("model").get<std::string>();
    cases.push_back({model.substr(model.find('/') + 1) + "/" + c.at("case").get<std::string>(),
                     shared / c.at("file").get<std::string>(), c.at("causal").get<bool>()});
  }
  return cases;
}

bool same(double expected, const nlohmann::json& got, double tolerance) {
  if (std::isnan(expected)) return got.is_null();
  return got.is_number() && std::fabs(got.get<double>() - expected) <= tolerance;
}

constexpr double kTolerance = 1e-9;

TEST(AnalyzeGolden, CliFiguresEqualAnIndependentComputation) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto cases = golden_cases(shared);
  ASSERT_GE(cases.size(), 40u);
  int checked_heads = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = run_cli({"analyze", "--attentions", c.file.string(), "--format", "json"});
    ASSERT_EQ(result.exit_code, 0) << result.error;
    const nlohmann::json out = nlohmann::json::parse(result.out);
    EXPECT_EQ(out["causal"].get<bool>(), c.causal) << "causal flag from the file's metadata";

    const SafetensorsFile file(c.file.string());
    const Tensor attentions = file.load_f32("attentions");
    const bool batched = attentions.rank() == 5;
    const int64_t B = batched ? attentions.dim(0) : 1;
    const int64_t L = attentions.dim(batched ? 1 : 0);
    const int64_t H = attentions.dim(batched ? 2 : 1);
    const int64_t T = attentions.dim(batched ? 3 : 2);
    std::vector<int64_t> mask(B * T, 1);
    if (file.find("attention_mask") != nullptr) mask = file.load_i64("attention_mask");
    std::vector<Sequence> sequences;
    for (int64_t b = 0; b < B; ++b) {
      Sequence s{attentions.data() + b * L * H * T * T, H, T, {}, c.causal};
      for (int64_t p = 0; p < T; ++p) {
        if (mask[b * T + p] != 0) s.real.push_back(p);
      }
      sequences.push_back(std::move(s));
    }
    if (B > 1) {
      EXPECT_EQ(out["texts"], B);
    } else {
      EXPECT_FALSE(out.contains("texts"));
    }

    ASSERT_EQ(out["heads"].size(), static_cast<size_t>(L * H));
    for (const auto& head : out["heads"]) {
      const int64_t l = head["layer"], h = head["head"];
      // Mean and population std over the sequences.
      std::map<std::string, std::vector<double>> per_text;
      for (const Sequence& s : sequences) {
        for (const auto& [name, value] : reference_figures(s, l, h))
          per_text[name].push_back(value);
      }
      for (const auto& [name, values] : per_text) {
        double sum = 0;
        int count = 0;
        for (double v : values) {
          if (!std::isnan(v)) sum += v, ++count;
        }
        const double mean = count > 0 ? sum / count : std::nan("");
        EXPECT_TRUE(same(mean, head[name], kTolerance))
            << "layer " << l << " head " << h << " " << name << ": expected " << mean << ", got "
            << head[name];
        if (B > 1) {
          double m2 = 0;
          for (double v : values) m2 += (v - mean) * (v - mean);
          EXPECT_TRUE(same(std::sqrt(m2 / count), head[name + "_std"], kTolerance)) << name;
        }
      }
      EXPECT_TRUE(head["special"].is_null()) << "golden files carry no special-token mask";
      ++checked_heads;
    }
    // Layer figures are the mean of the layer's heads (one text: exactly that).
    if (B == 1) {
      for (const auto& layer : out["layers"]) {
        double sum = 0;
        for (const auto& head : out["heads"]) {
          if (head["layer"] == layer["layer"]) sum += head["confidence"].get<double>();
        }
        EXPECT_NEAR(layer["confidence"].get<double>(), sum / H, 1e-12);
      }
    }
  }
  EXPECT_GT(checked_heads, 300);
}

TEST(AnalyzeGolden, PatternsFollowTheScores) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto file = shared / "golden/attention/stories260k-hf/long256.safetensors";
  const auto result = run_cli({"analyze", "--attentions", file.string(), "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.error;
  const nlohmann::json out = nlohmann::json::parse(result.out);
  const std::vector<std::pair<std::string, double>> thresholds = {
      {"self", 0.5},  {"previous", 0.5}, {"next", 0.5},
      {"first", 0.5}, {"special", 0.5},  {"broad", 0.85}};
  std::set<std::string> seen;
  for (const auto& head : out["heads"]) {
    std::string expected = "mixed";
    double best = 0;
    for (const auto& [name, threshold] : thresholds) {
      const auto& score = head["pattern_scores"][name];
      if (score.is_null() || score.get<double>() < threshold) continue;
      if (expected == "mixed" || score.get<double>() > best) expected = name, best = score;
    }
    EXPECT_EQ(head["pattern"], expected);
    EXPECT_EQ(head["pattern_scores"]["self"], head["self"]);
    EXPECT_EQ(head["pattern_scores"]["broad"], head["normalized_entropy"]);
    seen.insert(head["pattern"].get<std::string>());
  }
  // This small trained model has previous-token heads (layers 1 and 3).
  EXPECT_TRUE(seen.count("previous"));
  EXPECT_TRUE(seen.count("mixed"));
}

TEST(AnalyzeGolden, ImportanceEqualsAnIndependentComputation) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  for (const Case& c : golden_cases(shared)) {
    SCOPED_TRACE(c.name);
    const SafetensorsFile file(c.file.string());
    const Tensor attentions = file.load_f32("attentions");
    const bool batched = attentions.rank() == 5;
    const int64_t B = batched ? attentions.dim(0) : 1;
    const int64_t L = attentions.dim(batched ? 1 : 0);
    const int64_t H = attentions.dim(batched ? 2 : 1);
    const int64_t T = attentions.dim(batched ? 3 : 2);
    std::vector<int64_t> mask(B * T, 1);
    if (file.find("attention_mask") != nullptr) mask = file.load_i64("attention_mask");
    const int64_t b = B - 1;  // the last sequence (padded in the batch case)
    Sequence s{attentions.data() + b * L * H * T * T, H, T, {}, c.causal};
    for (int64_t p = 0; p < T; ++p) {
      if (mask[b * T + p] != 0) s.real.push_back(p);
    }
    const std::vector<double> expected = reference_raw(s, L);

    std::vector<std::string> args = {"importance", "--attentions", c.file.string(), "--format",
                                     "json"};
    if (batched) args.insert(args.end(), {"--sequence", std::to_string(b)});
    const auto result = run_cli(args);
    ASSERT_EQ(result.exit_code, 0) << result.error;
    const nlohmann::json out = nlohmann::json::parse(result.out);
    ASSERT_EQ(out["tokens"].size(), s.real.size());
    double previous = 2;
    for (const auto& t : out["tokens"]) {
      const int64_t position = t["position"];
      const auto r = std::find(s.real.begin(), s.real.end(), position) - s.real.begin();
      ASSERT_LT(r, static_cast<int64_t>(s.real.size()));
      EXPECT_NEAR(t["score"].get<double>(), expected[r], 1e-9) << "position " << position;
      EXPECT_LE(t["score"].get<double>(), previous) << "ranked highest first";
      previous = t["score"];
    }
  }
}

TEST(AnalyzeGolden, LayerSelectionCsvAndTable) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto file = (shared / "golden/attention/tiny-gpt2/paragraph.safetensors").string();
  const auto json =
      run_cli({"analyze", "--attentions", file, "--layers", "1-2", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.error;
  const nlohmann::json out = nlohmann::json::parse(json.out);
  ASSERT_EQ(out["layers"].size(), 2u);
  EXPECT_EQ(out["layers"][0]["layer"], 1);
  ASSERT_EQ(out["heads"].size(), 8u);

  const auto csv = run_cli({"analyze", "--attentions", file, "--layers", "1-2", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.error;
  std::istringstream lines(csv.out);
  std::string header, line;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("layer,head,pattern,entropy,normalized_entropy,confidence,", 0), 0u)
      << header;
  int rows = 0;
  while (std::getline(lines, line)) {
    // Row k equals JSON head k: layer, head, pattern, then entropy.
    const auto& head = out["heads"][rows];
    std::istringstream cells(line);
    std::string layer, index, pattern, entropy;
    std::getline(cells, layer, ',');
    std::getline(cells, index, ',');
    std::getline(cells, pattern, ',');
    std::getline(cells, entropy, ',');
    EXPECT_EQ(std::stoi(layer), head["layer"].get<int>());
    EXPECT_EQ(std::stoi(index), head["head"].get<int>());
    EXPECT_EQ(pattern, head["pattern"].get<std::string>());
    EXPECT_NEAR(std::stod(entropy), head["entropy"].get<double>(), 1e-8);
    ++rows;
  }
  EXPECT_EQ(rows, 8);

  const auto table = run_cli({"analyze", "--attentions", file});
  ASSERT_EQ(table.exit_code, 0) << table.error;
  EXPECT_NE(table.out.find("layer summary"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("norm_ent"), std::string::npos);

  const auto bad = run_cli({"analyze", "--attentions", file, "--layers", "5"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.error.find("available layers: 0,1,2"), std::string::npos) << bad.error;
  const auto usage = run_cli({"analyze", "--attentions", file, "--text", "x"});
  EXPECT_EQ(usage.exit_code, 2);
  const auto missing = run_cli({"analyze", "--attentions", "/nonexistent.safetensors"});
  EXPECT_EQ(missing.exit_code, 1);
}

TEST(AnalyzeGolden, ThresholdOverride) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto file = (shared / "golden/attention/tiny-bert/paragraph.safetensors").string();
  const auto strict =
      run_cli({"analyze", "--attentions", file, "--format", "json", "--pattern-threshold",
               "broad=0", "--pattern-threshold", "first=2", "--pattern-threshold", "self=2",
               "--pattern-threshold", "previous=2", "--pattern-threshold", "next=2"});
  ASSERT_EQ(strict.exit_code, 0) << strict.error;
  const nlohmann::json strict_json = nlohmann::json::parse(strict.out);
  for (const auto& head : strict_json["heads"]) {
    EXPECT_EQ(head["pattern"], "broad");
  }
  const auto bad = run_cli({"analyze", "--attentions", file, "--pattern-threshold", "wide=1"});
  EXPECT_EQ(bad.exit_code, 1);
}

}  // namespace
}  // namespace attnscope
