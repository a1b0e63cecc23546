// Long contexts without L·H·T²: a forward pass whose observers all take rows (RowObserver)
// computes attention one block of query rows at a time. These tests check the streamed path
// against the stored-attention path (whole layers in an AttentionStore) where both fit: the
// probabilities themselves for every registered architecture (blocks of an odd size, so every
// block edge, the causal diagonal and padding are crossed), and every figure of `analyze`, raw
// and rollout importance and the probes within 1e-5 of what the stored layers give.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/head_figures.h"
#include "analysis/importance.h"
#include "analysis/probes.h"
#include "analysis/streaming_stats.h"
#include "core/error.h"
#include "demo/demo_model.h"
#include "model/arch.h"
#include "model/attention_store.h"
#include "model/forward_memory.h"
#include "model/model.h"
#include "random_model.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

constexpr int64_t kTokens = 300;
constexpr int64_t kBlock = 37;  // 300 = 8 x 37 + 4: a short last block

// Reassembles streamed blocks into whole layers, checking that they come in query order and
// that the forward pass used blocks (never one whole layer) when asked to.
class RowCollector : public RowObserver {
 public:
  void on_attention_rows(const AttentionRows& rows) override {
    const int64_t T = rows.num_tokens, H = rows.num_heads;
    if (rows.query_begin == 0) {
      current_.assign(H * T * T, -1.0f);
      next_query_ = 0;
    }
    ASSERT_EQ(rows.query_begin, next_query_) << "blocks out of order";
    ASSERT_EQ(static_cast<int64_t>(rows.probs.size()), H * rows.rows() * T);
    largest_block_ = std::max(largest_block_, rows.rows());
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t q = rows.query_begin; q < rows.query_end; ++q) {
        std::copy(rows.row(h, q), rows.row(h, q) + T, current_.begin() + (h * T + q) * T);
      }
    }
    next_query_ = rows.query_end;
    if (rows.last()) {
      layers[{rows.layer, rows.sequence}] = Tensor({H, T, T}, current_);
      current_.clear();
    }
  }
  std::map<std::pair<int, int64_t>, Tensor> layers;  // (layer, sequence) -> [H, T, T]
  int64_t largest_block_ = 0;

 private:
  std::vector<float> current_;
  int64_t next_query_ = 0;
};

Model long_model(const ArchSpec& arch) {
  nlohmann::json config = nlohmann::json::parse(arch.example_config);
  for (const char* key : {"max_position_embeddings", "n_positions", "n_ctx"}) {
    if (config.contains(key)) config[key] = 512;
  }
  return testing::random_model(arch, config, 1234);
}

std::vector<int64_t> some_ids(const ModelConfig& c, int64_t count, int64_t salt = 0) {
  std::vector<int64_t> ids(count);
  for (int64_t t = 0; t < count; ++t) ids[t] = (5 * t * t + 11 * t + 3 + salt) % c.vocab_size;
  for (int64_t& id : ids) {
    if (c.pad_token_id && id == *c.pad_token_id) id = (id + 1) % c.vocab_size;
  }
  return ids;
}

class Streamed : public ::testing::TestWithParam<const ArchSpec*> {};

TEST_P(Streamed, BlocksOfQueryRowsMatchWholeLayers) {
  const Model model = long_model(*GetParam());
  const ModelConfig& c = model.config();
  // A padded batch: the second sequence is 60 tokens shorter (right padding, masked).
  const std::vector<int64_t> first = some_ids(c, kTokens), second = some_ids(c, kTokens - 60, 7);
  const ForwardInput input = ForwardInput::padded({first, second}, 0);

  AttentionStore store;
  AttentionObserver* whole[] = {&store};
  const ForwardResult expected = model.forward(input, whole, {.hidden_states = true});

  RowCollector rows;
  AttentionObserver* streamed[] = {&rows};
  const ForwardResult got =
      model.forward(input, streamed, {.hidden_states = true, .attention_block_rows = kBlock});
  EXPECT_EQ(rows.largest_block_, kBlock);
  ASSERT_EQ(rows.layers.size(), static_cast<size_t>(2 * c.num_hidden_layers));
  for (int64_t b = 0; b < 2; ++b) {
    for (int layer = 0; layer < c.num_hidden_layers; ++layer) {
      const Tensor want = store.layer(layer, b);
      EXPECT_TRUE(
          testing::all_close("layer " + std::to_string(layer) + " sequence " + std::to_string(b),
                             rows.layers.at({layer, b}), want, 1e-5));
    }
  }
  // The residual stream does not depend on how attention was blocked.
  EXPECT_TRUE(testing::all_close("hidden_states", got.hidden_states, expected.hidden_states,
                                 1e-5 * testing::max_abs(expected.hidden_states.values())));
}

INSTANTIATE_TEST_SUITE_P(Registry, Streamed, ::testing::ValuesIn(registered_archs()),
                         [](const ::testing::TestParamInfo<const ArchSpec*>& info) {
                           return std::string(info.param->family);
                         });

// A whole-layer observer next to a row observer: the pass keeps whole layers, and the row
// observer gets each as one block.
TEST(Streamed, AWholeLayerObserverTurnsBlocksOff) {
  const Model model = long_model(arch_by_family("gpt2"));
  const ForwardInput input = ForwardInput::single(some_ids(model.config(), 64));
  AttentionStore store;
  RowCollector rows;
  AttentionObserver* observers[] = {&store, &rows};
  model.forward(input, observers, {.attention_block_rows = 5});
  EXPECT_EQ(rows.largest_block_, 64);
  EXPECT_TRUE(testing::all_close("layer 0", rows.layers.at({0, 0}), store.layer(0), 0.0));
}

// The automatic block: whole layers for short inputs, ~32 MiB of rows for long ones, and the
// memory estimate of a streamed pass grows with T·block instead of H·T².
TEST(Streamed, BlockSizeAndMemoryEstimate) {
  ModelConfig c = long_model(arch_by_family("llama")).config();
  c.num_attention_heads = 32;
  EXPECT_EQ(attention_block_rows(c, 100), 100);
  EXPECT_EQ(attention_block_rows(c, 8192), 32);     // 32 heads x 32 rows x 8192 x 4 B = 32 MiB
  EXPECT_EQ(attention_block_rows(c, 1 << 20), 16);  // never fewer than 16 rows
  const uint64_t layer = forward_activation_bytes(c, 1, 8192, AttentionBuffer::kLayer);
  const uint64_t rows = forward_activation_bytes(c, 1, 8192, AttentionBuffer::kRowBlocks);
  EXPECT_EQ(layer - rows, uint64_t{32} * (8192 - 32) * 8192 * sizeof(float));
  EXPECT_EQ(forward_activation_bytes(c, 1, 100, AttentionBuffer::kLayer),
            forward_activation_bytes(c, 1, 100, AttentionBuffer::kRowBlocks));
}

// ---- the analyses, streamed against stored layers -------------------------------------------

::testing::AssertionResult figures_close(const analysis::HeadFigures& got,
                                         const analysis::HeadFigures& want,
                                         const std::string& where) {
  for (size_t f = 0; f < analysis::kFigureCount; ++f) {
    const double a = got.values[f], b = want.values[f];
    if (std::isnan(a) && std::isnan(b)) continue;
    if (!(std::fabs(a - b) <= 1e-5)) {
      return ::testing::AssertionFailure()
             << where << ": figure " << f << " streamed " << a << ", stored " << b;
    }
  }
  return ::testing::AssertionSuccess();
}

void check_analyses(const Model& model, const std::vector<int64_t>& ids,
                    const std::vector<uint8_t>& special, int64_t block) {
  const ModelConfig& c = model.config();
  const ForwardInput input = ForwardInput::single(ids);
  const auto T = static_cast<int64_t>(ids.size());
  AttentionStore store;
  AttentionObserver* whole[] = {&store};
  model.forward(input, whole);

  // analyze: StreamingStats over blocks vs each stored layer's figures.
  using analysis::StreamingStats;
  StreamingStats stats;
  stats.begin_text(special);
  analysis::RawImportance raw, visible(/*visible_only=*/true);
  analysis::TokenImportance rollout(analysis::ImportanceMethod::kRollout);
  analysis::TokenImportance some_heads(analysis::ImportanceMethod::kRollout,
                                       {.layers = {0}, .heads = {1}});
  const int64_t n = (T - 1) / 2;  // probes over [BOS] r_1..r_n r_1..r_n when T is odd
  analysis::ProbeScores probes(n, T - 2 * n);
  AttentionObserver* streamed[] = {&stats, &raw, &visible, &rollout, &some_heads, &probes};
  model.forward(input, streamed, {.attention_block_rows = block});

  const analysis::AnalysisSummary summary = stats.summary();
  ASSERT_EQ(summary.heads.size(), static_cast<size_t>(c.num_hidden_layers * c.num_attention_heads));
  analysis::RawImportance raw_whole, visible_whole(true);
  analysis::TokenImportance rollout_whole(analysis::ImportanceMethod::kRollout);
  analysis::TokenImportance some_heads_whole(analysis::ImportanceMethod::kRollout,
                                             {.layers = {0}, .heads = {1}});
  analysis::ProbeScores probes_whole(n, T - 2 * n);
  for (int layer = 0; layer < c.num_hidden_layers; ++layer) {
    const Tensor probs = store.layer(layer);
    LayerAttention a;
    a.layer = layer;
    a.num_heads = c.num_attention_heads;
    a.num_tokens = T;
    a.causal = c.causal;
    a.probs = probs.values();
    const std::vector<analysis::HeadFigures> want = analysis::compute_layer_figures(a, special);
    for (int64_t h = 0; h < c.num_attention_heads; ++h) {
      const auto& head = summary.heads[layer * c.num_attention_heads + h];
      ASSERT_EQ(head.layer, layer);
      ASSERT_EQ(head.head, h);
      analysis::HeadFigures got;
      for (size_t f = 0; f < analysis::kFigureCount; ++f) got.values[f] = head.figures[f].mean;
      EXPECT_TRUE(figures_close(got, want[h],
                                "layer " + std::to_string(layer) + " head " + std::to_string(h)));
    }
    raw_whole.on_attention(a);
    visible_whole.on_attention(a);
    rollout_whole.on_attention(a);
    some_heads_whole.on_attention(a);
    probes_whole.on_attention(a);
  }
  const auto close = [](const std::vector<double>& got, const std::vector<double>& want,
                        const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-5) << what << " " << k;
  };
  close(raw.scores(), raw_whole.scores(), "raw");
  close(visible.scores(), visible_whole.scores(), "raw visible_only");
  close(rollout.scores(), rollout_whole.scores(), "rollout");
  close(some_heads.scores(), some_heads_whole.scores(), "rollout of layer 0 head 1");
  const auto p = probes.heads(), q = probes_whole.heads();
  ASSERT_EQ(p.size(), q.size());
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_NEAR(p[i].previous_token_score, q[i].previous_token_score, 1e-5);
    EXPECT_NEAR(p[i].duplicate_token_score, q[i].duplicate_token_score, 1e-5);
    EXPECT_NEAR(p[i].induction_score, q[i].induction_score, 1e-5);
  }
}

TEST(StreamedAnalyses, CausalModelAt301Tokens) {
  const Model model = long_model(arch_by_family("llama"));
  std::vector<uint8_t> special(301, 0);
  special[0] = 1;
  check_analyses(model, some_ids(model.config(), 301), special, kBlock);
}

TEST(StreamedAnalyses, EncoderAt299Tokens) {
  const Model model = long_model(arch_by_family("bert"));
  std::vector<uint8_t> special(299, 0);
  special.front() = special.back() = 1;
  check_analyses(model, some_ids(model.config(), 299), special, 16);
}

TEST(StreamedAnalyses, DemoModelInBlocksOfThreeRows) {
  const Model model = Model::load(demo::demo_model_dir().string());
  std::vector<int64_t> ids = some_ids(model.config(), 21);
  ids[0] = 1;
  std::vector<uint8_t> special(21, 0);
  special[0] = 1;
  check_analyses(model, ids, special, 3);
}

// Row observers refuse blocks that skip rows (a layer must arrive in query order).
TEST(StreamedAnalyses, BlocksOutOfOrderAreRefused) {
  std::vector<float> probs(2 * 2 * 4, 0.25f);
  const std::vector<int64_t> mask(4, 1);
  AttentionRows rows;
  rows.num_heads = 2;
  rows.num_tokens = 4;
  rows.query_begin = 2;
  rows.query_end = 4;
  rows.probs = probs;
  rows.attention_mask = mask;
  analysis::StreamingStats stats;
  EXPECT_THROW(stats.on_attention_rows(rows), InputError);
  analysis::RawImportance raw;
  EXPECT_THROW(raw.on_attention_rows(rows), InputError);
  analysis::TokenImportance rollout(analysis::ImportanceMethod::kRollout);
  EXPECT_THROW(rollout.on_attention_rows(rows), InputError);
  rows.query_end = 5;  // past T
  EXPECT_THROW(stats.on_attention_rows(rows), ShapeError);
}

}  // namespace
}  // namespace attnscope
