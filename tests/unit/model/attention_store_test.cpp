#include "model/attention_store.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace attnscope {
namespace {

TEST(IndexSpec, ParsesListsRangesAndAll) {
  EXPECT_EQ(parse_index_spec("0,2,5-7", 8, "layer"), (std::vector<int>{0, 2, 5, 6, 7}));
  EXPECT_EQ(parse_index_spec(" 3 , 1,1 ", 4, "head"), (std::vector<int>{1, 3}));
  EXPECT_EQ(parse_index_spec("all", 3, "layer"), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(parse_index_spec("", 2, "layer"), (std::vector<int>{0, 1}));
  EXPECT_EQ(parse_index_spec("2-2", 3, "layer"), (std::vector<int>{2}));
}

TEST(IndexSpec, ErrorsSayWhatAndWhere) {
  try {
    parse_index_spec("0,9", 6, "layer");
    FAIL();
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("layer 9 is out of range"), std::string::npos) << message;
    EXPECT_NE(message.find("6 layers (0-5)"), std::string::npos) << message;
  }
  EXPECT_THROW(parse_index_spec("1,x", 4, "head"), InputError);
  EXPECT_THROW(parse_index_spec("3-1", 4, "head"), InputError);
  EXPECT_THROW(parse_index_spec("-1", 4, "head"), InputError);
  EXPECT_THROW(parse_index_spec("1,,2", 4, "head"), InputError);
  EXPECT_THROW(parse_index_spec("1-", 4, "head"), InputError);
}

LayerAttention fake_layer(int layer, const std::vector<float>& probs,
                          const std::vector<int64_t>& mask) {
  LayerAttention a;
  a.layer = layer;
  a.num_heads = 3;
  a.num_tokens = 2;
  a.probs = probs;
  a.attention_mask = mask;
  return a;
}

TEST(AttentionStore, KeepsChosenLayersAndHeads) {
  const std::vector<float> probs = {1, 0, 0.5f, 0.5f, 1, 0, 0.25f, 0.75f, 1, 0, 0.125f, 0.875f};
  const std::vector<int64_t> mask = {1, 1};
  AttentionStore store({.layers = {1}, .heads = {0, 2}});
  store.on_attention(fake_layer(0, probs, mask));
  store.on_attention(fake_layer(1, probs, mask));
  EXPECT_EQ(store.layers(), (std::vector<int>{1}));
  EXPECT_FALSE(store.has(0));
  const Tensor kept = store.layer(1);  // [kept_head, query_pos, key_pos]
  EXPECT_EQ(kept.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(kept.at({1, 1, 1}), 0.875f);
  EXPECT_EQ(store.bytes(), 2u * 4 * sizeof(float));
  EXPECT_EQ(AttentionStore::estimate_bytes(store.keep(), 4, 3, 1, 2), store.bytes());
  EXPECT_THROW(store.layer(0), InputError);
}

TEST(AttentionStore, EstimatesGrowWithLengthAndNeverWrapAround) {
  uint64_t previous = 0;
  for (int64_t tokens : std::initializer_list<int64_t>{1, 1000, 1000000, 99999999999, INT64_MAX}) {
    const uint64_t f32 = AttentionStore::estimate_bytes({}, 32, 32, 1, tokens);
    const uint64_t f16 = AttentionStore::estimate_bytes({.dtype = DType::kF16}, 32, 32, 1, tokens);
    EXPECT_GE(f32, previous) << tokens;
    EXPECT_LE(f16, f32) << tokens;
    previous = f32;
  }
  EXPECT_EQ(previous, UINT64_MAX);
}

TEST(AttentionStore, F16HalvesMemory) {
  const std::vector<float> probs = {1, 0, 0.3f, 0.7f, 1, 0, 0.3f, 0.7f, 1, 0, 0.3f, 0.7f};
  const std::vector<int64_t> mask = {1, 1};
  AttentionStore store({.dtype = DType::kF16});
  store.on_attention(fake_layer(0, probs, mask));
  EXPECT_EQ(store.bytes(), 12u * 2);
  EXPECT_NEAR(store.layer(0).at({2, 1, 0}), 0.3f, 1e-3);
  EXPECT_THROW(AttentionStore({.dtype = DType::kI64}), InputError);
}

TEST(AttentionStore, HeadOutOfRangeIsAnInputError) {
  const std::vector<float> probs(12, 0.5f);
  const std::vector<int64_t> mask = {1, 1};
  AttentionStore store({.heads = {5}});
  EXPECT_THROW(store.on_attention(fake_layer(0, probs, mask)), InputError);
}

}  // namespace
}  // namespace attnscope
