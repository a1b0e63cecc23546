#include <gtest/gtest.h>

#include "core/error.h"
#include "model/model.h"
#include "random_model.h"

namespace attnscope {
namespace {

TEST(ForwardInput, PaddedBuildsIdsAndMask) {
  const ForwardInput input = ForwardInput::padded({{5, 6, 7}, {8}}, 0);
  EXPECT_EQ(input.tokens, 3);
  EXPECT_EQ(input.ids, (std::vector<int64_t>{5, 6, 7, 8, 0, 0}));
  EXPECT_EQ(input.attention_mask, (std::vector<int64_t>{1, 1, 1, 1, 0, 0}));
}

TEST(ForwardInput, RobertaPositionsStartAfterPadding) {
  const Model model = testing::random_model(arch_by_family("roberta"), 3);
  ForwardInput input = ForwardInput::padded({{5, 6, 7}, {8}}, 1);
  EXPECT_EQ(position_ids(model.config(), input), (std::vector<int64_t>{2, 3, 4, 2, 1, 1}));
  const Model bert = testing::random_model(arch_by_family("bert"), 3);
  EXPECT_EQ(position_ids(bert.config(), input), (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
}

TEST(ForwardInput, BadInputsAreInputErrors) {
  const Model model = testing::random_model(arch_by_family("gpt2"), 3);  // vocab 50, 40 positions
  EXPECT_THROW(model.forward(ForwardInput::single({})), InputError);
  EXPECT_THROW(model.forward(ForwardInput::single({3, 50})), InputError);
  EXPECT_THROW(model.forward(ForwardInput::single({-1})), InputError);
  EXPECT_THROW(model.forward(ForwardInput::single(std::vector<int64_t>(41, 1))), InputError);
  EXPECT_NO_THROW(model.forward(ForwardInput::single(std::vector<int64_t>(40, 1))));
  ForwardInput bad_mask = ForwardInput::single({1, 2});
  bad_mask.attention_mask = {1, 2};
  EXPECT_THROW(model.forward(bad_mask), InputError);
  bad_mask.attention_mask = {1};
  EXPECT_THROW(model.forward(bad_mask), InputError);
  ForwardInput bad_types = ForwardInput::single({1, 2});
  bad_types.token_type_ids = {0, 3};
  const Model bert = testing::random_model(arch_by_family("bert"), 3);
  EXPECT_THROW(bert.forward(bad_types), InputError);
}

TEST(ForwardInput, ObserversSeeEveryLayerOfEverySequence) {
  struct Counter : AttentionObserver {
    std::vector<std::pair<int, int64_t>> seen;
    void on_attention(const LayerAttention& a) override {
      seen.emplace_back(a.layer, a.sequence);
      EXPECT_EQ(a.probs.size(), static_cast<size_t>(a.num_heads * a.num_tokens * a.num_tokens));
      EXPECT_EQ(a.attention_mask.size(), static_cast<size_t>(a.num_tokens));
    }
  } counter;
  const Model model = testing::random_model(arch_by_family("mistral"), 3);
  AttentionObserver* observers[] = {&counter};
  model.forward(ForwardInput::padded({{1, 2, 3}, {4, 5}}, 0), observers);
  const std::vector<std::pair<int, int64_t>> expected = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  EXPECT_EQ(counter.seen, expected);
}

}  // namespace
}  // namespace attnscope
