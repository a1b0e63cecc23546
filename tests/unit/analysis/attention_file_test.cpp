// Saved attention files: layout, metadata, validation with the first bad index, causal
// inference, and that replaying a file gives the same figures as the in-memory path.
#include "analysis/attention_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "analysis/attention_analyzer.h"
#include "analysis/head_figures.h"
#include "analysis/streaming_stats.h"
#include "attention_builders.h"
#include "core/error.h"
#include "io/safetensors.h"

namespace attnscope::analysis {
namespace {

using testing::Matrix;

class AttentionFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attnscope_attention_file_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // layers[l][h] is one head's matrix.
  static Tensor stack(const std::vector<std::vector<Matrix>>& layers) {
    const int64_t L = static_cast<int64_t>(layers.size());
    const int64_t H = static_cast<int64_t>(layers[0].size());
    const int64_t T = static_cast<int64_t>(layers[0][0].size());
    std::vector<float> values;
    for (const auto& heads : layers) {
      for (const Matrix& m : heads) {
        for (const auto& row : m) values.insert(values.end(), row.begin(), row.end());
      }
    }
    return Tensor({L, H, T, T}, std::move(values));
  }

  std::filesystem::path dir_;
};

// Two layers of two heads on 4 tokens, causal.
std::vector<std::vector<Matrix>> causal_layers() {
  return {{testing::shifted_identity(4), testing::uniform(4, true)},
          {testing::column(4, 0), testing::random_rows(4, true, 3)}};
}

TEST_F(AttentionFileTest, ReadsLayoutAndMetadata) {
  SafetensorsWriter w;
  w.add_f32("attentions", stack(causal_layers()));
  const std::vector<int64_t> ids = {1, 10, 11, 12};
  w.add_i64("input_ids", {4}, ids);
  w.set_metadata("model", "tiny");
  w.set_metadata("causal", "true");
  w.set_metadata("tokens", R"(["<s>", "a", "b", "c"])");
  w.set_metadata("special_ids", "[1]");
  w.write(path("a.safetensors"));

  const AttentionFile file(path("a.safetensors"));
  EXPECT_EQ(file.batch(), 1);
  EXPECT_EQ(file.layers(), 2);
  EXPECT_EQ(file.heads(), 2);
  EXPECT_EQ(file.tokens(), 4);
  EXPECT_TRUE(file.causal());
  EXPECT_EQ(file.causal_source(), CausalSource::kMetadata);
  EXPECT_EQ(file.model(), "tiny");
  EXPECT_EQ(file.tokens(0), (std::vector<std::string>{"<s>", "a", "b", "c"}));
  ASSERT_EQ(file.special_mask(0).size(), 4u);
  EXPECT_EQ(file.special_mask(0)[0], 1);
  EXPECT_EQ(file.special_mask(0)[1], 0);
  EXPECT_EQ(file.layer_ids(), (std::vector<int>{0, 1}));

  const Tensor layer1 = file.load_layer(0, 1);
  EXPECT_EQ(layer1.shape(), (Shape{2, 4, 4}));
  EXPECT_EQ(layer1.at({0, 3, 0}), 1.0f);

  // Replaying the file equals computing each layer directly.
  const AnalysisSummary s = analyze_attention_file(file);
  ASSERT_EQ(s.heads.size(), 4u);
  EXPECT_EQ(s.model, "tiny");
  EXPECT_TRUE(s.causal);
  const std::vector<uint8_t> special = {1, 0, 0, 0};
  const auto layers = causal_layers();
  for (const HeadSummary& h : s.heads) {
    const auto buffer = testing::make_layer({layers[h.layer][h.head]});
    const HeadFigures expected = compute_layer_figures(buffer.view(h.layer, true), special)[0];
    for (Figure f : kReportedFigures) {
      EXPECT_NEAR(h[f].mean, expected[f], 1e-12) << figure_name(f);
    }
  }
  EXPECT_EQ(s.heads[0].pattern.pattern, Pattern::kPrevious);
  EXPECT_EQ(s.heads[2].pattern.pattern, Pattern::kFirst);
}

TEST_F(AttentionFileTest, InfersCausalityFromZerosAboveTheDiagonal) {
  SafetensorsWriter causal;
  causal.add_f32("attentions", stack(causal_layers()));
  causal.write(path("causal.safetensors"));
  const AttentionFile c(path("causal.safetensors"));
  EXPECT_TRUE(c.causal());
  EXPECT_EQ(c.causal_source(), CausalSource::kInferred);

  SafetensorsWriter bidirectional;
  bidirectional.add_f32("attentions", stack({{testing::uniform(3, false)}}));
  bidirectional.write(path("bi.safetensors"));
  const AttentionFile b(path("bi.safetensors"));
  EXPECT_FALSE(b.causal());
  // An explicit option wins, and is checked: a bidirectional matrix is not causal.
  const AttentionFile forced(path("bi.safetensors"), {.causal = true});
  EXPECT_EQ(forced.causal_source(), CausalSource::kOption);
  EXPECT_THROW(forced.load_layer(0, 0), FormatError);
}

TEST_F(AttentionFileTest, BatchWithPaddingAndSpecialMask) {
  // Sequence 0: 3 real tokens + 1 pad; sequence 1: 4 real tokens.
  const Matrix real3 = testing::random_rows(3, false, 5);
  const std::vector<int64_t> mask0 = {1, 1, 1, 0};
  const Matrix padded = testing::pad(real3, mask0);
  const Matrix full = testing::uniform(4, false);
  std::vector<float> values;
  for (const Matrix* m : {&padded, &full}) {
    for (const auto& row : *m) values.insert(values.end(), row.begin(), row.end());
  }
  SafetensorsWriter w;
  w.add_f32("attentions", Tensor({2, 1, 1, 4, 4}, values));
  const std::vector<int64_t> mask = {1, 1, 1, 0, 1, 1, 1, 1};
  w.add_i64("attention_mask", {2, 4}, mask);
  const std::vector<int64_t> special = {1, 0, 1, 0, 1, 0, 0, 1};
  w.add_i64("special_tokens_mask", {2, 4}, special);
  w.set_metadata("causal", "false");
  w.set_metadata("tokens", R"([["[CLS]", "x", "[SEP]", "[PAD]"], ["[CLS]", "y", "z", "[SEP]"]])");
  w.write(path("batch.safetensors"));

  const AttentionFile file(path("batch.safetensors"));
  EXPECT_EQ(file.batch(), 2);
  EXPECT_EQ(file.attention_mask(0)[3], 0);
  const AnalysisSummary s = analyze_attention_file(file);
  EXPECT_EQ(s.texts, 2);
  ASSERT_EQ(s.tokens.size(), 2u);
  EXPECT_EQ(s.tokens[0].size(), 3u);  // padding is not reported

  const auto buffer = testing::make_layer({real3});
  const std::vector<uint8_t> special0 = {1, 0, 1};
  const HeadFigures f0 = compute_layer_figures(buffer.view(0, false), special0)[0];
  const auto buffer1 = testing::make_layer({full});
  const std::vector<uint8_t> special1 = {1, 0, 0, 1};
  const HeadFigures f1 = compute_layer_figures(buffer1.view(0, false), special1)[0];
  for (Figure f : kReportedFigures) {
    const double mean = (f0[f] + f1[f]) / 2;
    EXPECT_NEAR(s.heads[0][f].mean, mean, 1e-12) << figure_name(f);
    EXPECT_NEAR(s.heads[0][f].std, std::fabs(f0[f] - f1[f]) / 2, 1e-12) << figure_name(f);
  }
}

TEST_F(AttentionFileTest, LayerSelectionUsesModelLayerNumbers) {
  SafetensorsWriter w;
  w.add_f32("attentions", stack(causal_layers()));
  w.set_metadata("layers", "[3, 7]");
  w.set_metadata("heads", "[1, 2]");
  w.write(path("subset.safetensors"));
  const AttentionFile file(path("subset.safetensors"));
  EXPECT_EQ(file.layer_ids(), (std::vector<int>{3, 7}));
  const AnalysisSummary s = analyze_attention_file(file, {.layers = {7}});
  ASSERT_EQ(s.layers.size(), 1u);
  EXPECT_EQ(s.layers[0].layer, 7);
  ASSERT_EQ(s.heads.size(), 2u);
  EXPECT_EQ(s.heads[0].layer, 7);
  EXPECT_EQ(s.heads[0].head, 1);
  EXPECT_EQ(s.heads[1].head, 2);
  EXPECT_EQ(s.heads[0].pattern.pattern, Pattern::kFirst);
}

TEST_F(AttentionFileTest, F16AttentionIsAccepted) {
  SafetensorsWriter w;
  w.add_f32("attentions", stack(causal_layers()), DType::kF16);
  w.write(path("f16.safetensors"));
  const AttentionFile file(path("f16.safetensors"));
  EXPECT_TRUE(file.causal());
  EXPECT_NEAR(file.load_layer(0, 0).at({1, 2, 1}), 1.0f / 3, 1e-3);
}

// Expects a FormatError whose message contains `needle`.
template <typename F>
void expect_format_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected a FormatError mentioning '" << needle << "'";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST_F(AttentionFileTest, RejectsBadValuesWithTheFirstBadIndex) {
  auto layers = causal_layers();
  layers[1][0][2][0] = std::numeric_limits<float>::quiet_NaN();
  layers[1][1][3][1] = std::numeric_limits<float>::quiet_NaN();  // later: not reported
  SafetensorsWriter nan;
  nan.add_f32("attentions", stack(layers));
  nan.set_metadata("causal", "true");
  nan.write(path("nan.safetensors"));
  const AttentionFile nan_file(path("nan.safetensors"));
  EXPECT_NO_THROW(nan_file.load_layer(0, 0));
  expect_format_error([&] { nan_file.load_layer(0, 1); },
                      "attentions[1, 0, 2, 0] (layer 1, head 0, query_pos 2, key_pos 0) is NaN");

  layers = causal_layers();
  layers[0][1][2][1] += 0.01f;  // row 2 of layer 0 head 1 sums to 1.01
  SafetensorsWriter sum;
  sum.add_f32("attentions", stack(layers));
  sum.set_metadata("causal", "true");
  sum.write(path("sum.safetensors"));
  StreamingStats stats;
  expect_format_error([&] { AttentionFile(path("sum.safetensors")).replay(stats); },
                      "attentions[0, 1, 2] (layer 0, head 1, query_pos 2): row sums to 1.01");

  layers = causal_layers();
  layers[0][0][1][0] = -0.5f;
  layers[0][0][1][1] = 1.5f;
  SafetensorsWriter negative;
  negative.add_f32("attentions", stack(layers));
  negative.write(path("neg.safetensors"));
  expect_format_error([&] { AttentionFile(path("neg.safetensors")).load_layer(0, 0); },
                      "attentions[0, 0, 1, 0]");
}

TEST_F(AttentionFileTest, RejectsBadLayouts) {
  auto write = [&](const std::string& name, const Tensor& t,
                   const std::map<std::string, std::string>& meta = {}) {
    SafetensorsWriter w;
    w.add_f32("attentions", t);
    for (const auto& [k, v] : meta) w.set_metadata(k, v);
    w.write(path(name));
    return path(name);
  };
  expect_format_error([&] { AttentionFile f(write("rank3.st", Tensor({2, 3, 3}))); }, "rank 3");
  expect_format_error(
      [&] {
        AttentionFile f(write("rect.st", Tensor({1, 1, 3, 4})));
      },
      "query_pos and key_pos axes differ");
  const Tensor good = stack({{testing::uniform(3, false)}});
  expect_format_error(
      [&] {
        AttentionFile f(write("c.st", good, {{"causal", "yes"}}));
      },
      "metadata 'causal' is 'yes'");
  expect_format_error(
      [&] {
        AttentionFile f(write("t.st", good, {{"tokens", R"(["a"])"}}));
      },
      "metadata 'tokens'");
  expect_format_error(
      [&] {
        AttentionFile f(write("l.st", good, {{"layers", "[1, 2]"}}));
      },
      "metadata 'layers'");

  SafetensorsWriter other;
  other.add_f32("probs", good);
  other.write(path("none.st"));
  expect_format_error([&] { AttentionFile f(path("none.st")); }, "no tensor 'attentions'");

  SafetensorsWriter mask;
  mask.add_f32("attentions", good);
  const std::vector<int64_t> wrong = {1, 1};
  mask.add_i64("attention_mask", {2}, wrong);
  mask.write(path("mask.st"));
  expect_format_error([&] { AttentionFile f(path("mask.st")); }, "'attention_mask' has shape [2]");

  SafetensorsWriter mask2;
  mask2.add_f32("attentions", good);
  const std::vector<int64_t> two = {1, 2, 1};
  mask2.add_i64("attention_mask", {3}, two);
  mask2.write(path("mask2.st"));
  expect_format_error([&] { AttentionFile f(path("mask2.st")); }, "is 2; expected 0 or 1");
}

TEST_F(AttentionFileTest, AnotherFormatVersionIsRefusedOthersIgnored) {
  const Tensor good = stack({{testing::uniform(3, false)}});
  const auto write = [&](const std::string& name, const std::string& format) {
    SafetensorsWriter w;
    w.add_f32("attentions", good);
    w.set_metadata("format", format);
    w.write(path(name));
    return path(name);
  };
  try {
    AttentionFile f(write("v99.st", "attnscope-attention/99"));
    ADD_FAILURE() << "version 99 was read";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("'attnscope-attention/99'"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(kAttentionFileFormat), std::string::npos) << e.what();
  }
  EXPECT_EQ(AttentionFile(write("v1.st", kAttentionFileFormat)).tokens(), 3);
  EXPECT_EQ(AttentionFile(write("pt.st", "pt")).tokens(), 3);
}

TEST_F(AttentionFileTest, RawImportance) {
  SafetensorsWriter w;
  // Layer 0: everything on token 0; layer 1: uniform. Raw = mean over layers and heads.
  w.add_f32("attentions", stack({{testing::column(4, 0)}, {testing::uniform(4, false)}}));
  w.set_metadata("tokens", R"(["a", "b", "c", "d"])");
  w.write(path("imp.safetensors"));
  const AttentionFile file(path("imp.safetensors"));
  const auto scores = token_importance(file, 0, "raw");
  ASSERT_EQ(scores.size(), 4u);
  EXPECT_EQ(scores[0].token, "a");
  EXPECT_NEAR(scores[0].score, (1.0 + 0.25) / 2, 1e-9);
  EXPECT_NEAR(scores[3].score, 0.25 / 2, 1e-9);
  double total = 0;
  for (const auto& s : scores) total += s.score;
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_THROW(token_importance(file, 0, "rollout-x"), UnsupportedError);
}

}  // namespace
}  // namespace attnscope::analysis
