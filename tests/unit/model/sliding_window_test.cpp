// Sliding-window attention (Mistral, Qwen2) as transformers 4.40.2 eager attention applies it:
// AttentionMaskConverter._make_causal_mask masks tril(ones, diagonal = -W - 1), so a query sees
// itself and the W keys before it (query_pos - key_pos <= W, W + 1 keys), on every layer. The
// BLAS forward must agree with the reference forward on random configs, keep masked entries at
// exactly 0, and give the hand-checked pattern below.
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "forward_pair.h"
#include "model/arch.h"
#include "model/attention_store.h"
#include "model/model.h"
#include "random_model.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

using testing::all_close;
using testing::attention_invariants;
using testing::max_abs;

nlohmann::json example(std::string_view family) {
  return nlohmann::json::parse(arch_by_family(family).example_config);
}

Tensor attention_of(const Model& model, const ForwardInput& input, bool reference) {
  AttentionStore store;
  AttentionObserver* observers[] = {&store};
  if (reference) {
    reference_forward(model.config(), model.weights(), input, observers);
  } else {
    model.forward(input, observers);
  }
  return store.sequence(0);  // [layer, head, query_pos, key_pos]
}

TEST(SlidingWindow, WindowOfTwoOverFiveTokens) {
  // W = 2, T = 5: query q sees keys q-2 .. q. Written out by hand from HF's rule.
  constexpr int kVisible[5][5] = {
      {1, 0, 0, 0, 0}, {1, 1, 0, 0, 0}, {1, 1, 1, 0, 0}, {0, 1, 1, 1, 0}, {0, 0, 1, 1, 1},
  };
  for (std::string_view family : {"mistral", "qwen2"}) {
    SCOPED_TRACE(std::string(family));
    nlohmann::json config = example(family);
    config["sliding_window"] = 2;
    const Model model = testing::random_model(arch_by_family(family), config, 11);
    ASSERT_EQ(model.config().sliding_window, 2);
    for (bool reference : {false, true}) {
      SCOPED_TRACE(reference ? "reference forward" : "BLAS forward");
      const Tensor probs = attention_of(model, ForwardInput::single({3, 1, 4, 1, 5}), reference);
      ASSERT_EQ(probs.dim(3), 5);
      for (int64_t layer = 0; layer < probs.dim(0); ++layer) {
        for (int64_t head = 0; head < probs.dim(1); ++head) {
          for (int64_t q = 0; q < 5; ++q) {
            for (int64_t k = 0; k < 5; ++k) {
              const float p = probs.at({layer, head, q, k});
              if (kVisible[q][k]) {
                EXPECT_GT(p, 0.0f)
                    << "layer " << layer << " head " << head << " [" << q << ", " << k << "]";
              } else {
                EXPECT_EQ(p, 0.0f)
                    << "layer " << layer << " head " << head << " [" << q << ", " << k << "]";
              }
            }
          }
        }
      }
    }
  }
}

TEST(SlidingWindow, WindowOfTMinusOneIsNoWindow) {
  // With W = T - 1 every earlier key is still visible, so the result equals the unwindowed model
  // bit for bit; with W = T - 2 the last query loses key 0.
  nlohmann::json config = example("mistral");
  const std::vector<int64_t> ids = {5, 9, 2, 7, 3, 8, 1, 6};
  const int64_t T = static_cast<int64_t>(ids.size());
  config["sliding_window"] = nullptr;
  const Tensor none = attention_of(testing::random_model(arch_by_family("mistral"), config, 4),
                                   ForwardInput::single(ids), false);
  config["sliding_window"] = T - 1;
  const Tensor wide = attention_of(testing::random_model(arch_by_family("mistral"), config, 4),
                                   ForwardInput::single(ids), false);
  EXPECT_TRUE(all_close("W = T - 1 vs none", wide, none, 0.0));
  config["sliding_window"] = T - 2;
  const Tensor narrow = attention_of(testing::random_model(arch_by_family("mistral"), config, 4),
                                     ForwardInput::single(ids), false);
  EXPECT_EQ(narrow.at({0, 0, T - 1, 0}), 0.0f);
  EXPECT_GT(none.at({0, 0, T - 1, 0}), 0.0f);
  EXPECT_EQ(narrow.at({0, 0, T - 2, 0}), none.at({0, 0, T - 2, 0}));
}

TEST(SlidingWindow, RandomConfigsBlasMatchesReference) {
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 12; ++trial) {
    const std::string family = trial % 2 == 0 ? "mistral" : "qwen2";
    nlohmann::json config = example(family);
    const int64_t heads = std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? 4 : 8;
    const int64_t kv_options[] = {1, 2, heads};
    config["num_attention_heads"] = heads;
    config["num_key_value_heads"] = kv_options[std::uniform_int_distribution<int>(0, 2)(rng)];
    config["hidden_size"] = heads * 8;
    config["num_hidden_layers"] = std::uniform_int_distribution<int>(1, 3)(rng);
    const int64_t window = std::uniform_int_distribution<int>(1, 8)(rng);
    config["sliding_window"] = window;
    const unsigned seed = static_cast<unsigned>(rng());
    SCOPED_TRACE(family + " trial " + std::to_string(trial) + ": " + config.dump());
    const Model model = testing::random_model(arch_by_family(family), config, seed);

    // Two sequences (13 and 9 tokens, the second right-padded): windows smaller than T.
    std::uniform_int_distribution<int64_t> id(2, model.config().vocab_size - 1);
    std::vector<std::vector<int64_t>> sequences(2);
    for (int64_t t = 0; t < 13; ++t) sequences[0].push_back(id(rng));
    for (int64_t t = 0; t < 9; ++t) sequences[1].push_back(id(rng));
    const ForwardInput input = ForwardInput::padded(sequences, 0);

    const testing::ForwardPair run(model, input);
    EXPECT_TRUE(run.agree());
    for (int64_t b = 0; b < input.batch; ++b) {
      const auto visible = [&](int64_t, int64_t query, int64_t key) {
        return key <= query && query - key <= window &&
               input.attention_mask[b * input.tokens + key] != 0;
      };
      EXPECT_TRUE(attention_invariants("attentions", run.fast_store.sequence(b), visible));
    }
  }
}

TEST(SlidingWindow, ConfigFollowsTransformers440) {
  const ArchSpec& mistral = arch_by_family("mistral");
  nlohmann::json config = example("mistral");
  config.erase("sliding_window");  // MistralConfig default
  EXPECT_EQ(mistral.parse_config(config).sliding_window, 4096);
  config["sliding_window"] = nullptr;  // Mistral v0.2+: no window
  EXPECT_EQ(mistral.parse_config(config).sliding_window, 0);
  for (int bad : {0, -3}) {
    config["sliding_window"] = bad;
    try {
      mistral.parse_config(config);
      ADD_FAILURE() << "sliding_window " << bad << " accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "sliding_window");
    }
  }
  // Qwen2: 4.40.2 eager attention applies the window whatever use_sliding_window and
  // max_window_layers say.
  nlohmann::json qwen = example("qwen2");
  qwen["sliding_window"] = 6;
  qwen["use_sliding_window"] = false;
  qwen["max_window_layers"] = 0;
  EXPECT_EQ(arch_by_family("qwen2").parse_config(qwen).sliding_window, 6);
  qwen.erase("sliding_window");  // Qwen2Config default
  EXPECT_EQ(arch_by_family("qwen2").parse_config(qwen).sliding_window, 4096);
  // Llama has no window in 4.40.2: a stray key is not read.
  nlohmann::json llama = example("llama");
  llama["sliding_window"] = 3;
  EXPECT_EQ(arch_by_family("llama").parse_config(llama).sliding_window, 0);
}

}  // namespace
}  // namespace attnscope
