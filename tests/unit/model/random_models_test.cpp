// The BLAS forward against the reference forward (plain loops) on random small models of every
// registered architecture, with a padded batch. Both must agree to f32 rounding, and both must
// keep the attention invariants.
#include <gtest/gtest.h>

#include "core/error.h"
#include "forward_pair.h"
#include "model/arch.h"
#include "model/attention_store.h"
#include "model/forward_memory.h"
#include "model/model.h"
#include "random_model.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

using testing::all_close;
using testing::attention_invariants;
using testing::max_abs;

class EveryArch : public ::testing::TestWithParam<const ArchSpec*> {};

ForwardInput padded_batch(const ModelConfig& c) {
  // Two sequences, the second right-padded; ids avoid RoBERTa's pad id 1.
  std::vector<std::vector<int64_t>> sequences = {{2, 7, 11, 3, 19, 23, 5, 42, 8, 13, 2, 9},
                                                 {4, 6, 10, 12, 14}};
  for (auto& sequence : sequences) {
    for (int64_t& id : sequence) id %= c.vocab_size;
  }
  ForwardInput input = ForwardInput::padded(sequences, c.pad_token_id.value_or(0));
  if (c.type_vocab_size > 1) {
    input.token_type_ids.assign(input.ids.size(), 0);
    for (int64_t t = 6; t < input.tokens; ++t) input.token_type_ids[t] = 1;  // second segment
  }
  return input;
}

TEST_P(EveryArch, BlasForwardMatchesReferenceForward) {
  const ArchSpec& arch = *GetParam();
  const Model model = testing::random_model(arch, 1234);
  EXPECT_TRUE(model.unused_tensors().empty());
  const ModelConfig& c = model.config();
  const ForwardInput input = padded_batch(c);
  const ForwardOptions options{.hidden_states = true, .logits = model.has_lm_head()};

  const testing::ForwardPair run(model, input, options);
  EXPECT_TRUE(run.agree());
  for (int64_t b = 0; b < input.batch; ++b) {
    SCOPED_TRACE("sequence " + std::to_string(b));
    const Tensor got = run.fast_store.sequence(b);
    EXPECT_EQ(got.shape(),
              (Shape{c.num_hidden_layers, c.num_attention_heads, input.tokens, input.tokens}));
    const auto visible = [&](int64_t plane, int64_t query, int64_t key) {  // plane: layer·head
      if (c.causal && key > query) return false;
      const int64_t window = c.window(plane / c.num_attention_heads);
      if (window != kNoWindow && query - key > window) return false;
      return input.attention_mask[b * input.tokens + key] != 0;
    };
    EXPECT_TRUE(attention_invariants("attentions", got, visible));
  }
}

TEST_P(EveryArch, MemoryEstimateMatchesWhatTheStoreKeeps) {
  const ArchSpec& arch = *GetParam();
  const Model model = testing::random_model(arch, 7);
  const ForwardInput input = padded_batch(model.config());
  KeepSpec keep{.layers = {1}, .heads = {0, 2}, .dtype = DType::kF16};
  AttentionStore store(keep);
  AttentionObserver* observers[] = {&store};
  model.forward(input, observers);
  const MemoryEstimate estimate =
      estimate_forward_memory(model.config(), input.batch, input.tokens, keep, {});
  EXPECT_EQ(estimate.attention_kept, store.bytes());
  EXPECT_EQ(estimate.weights, static_cast<uint64_t>(model.parameter_count()) * 4);
  EXPECT_GT(estimate.activations, 0u);
}

TEST_P(EveryArch, SingleTokenAndUnbatchedAgreeWithBatch) {
  const ArchSpec& arch = *GetParam();
  const Model model = testing::random_model(arch, 99);
  ForwardInput batch = padded_batch(model.config());
  batch.token_type_ids.clear();
  AttentionStore batch_store, single_store;
  AttentionObserver* batch_observers[] = {&batch_store};
  AttentionObserver* single_observers[] = {&single_store};
  model.forward(batch, batch_observers);
  // The first sequence alone (no padding) gives the same attention as inside the batch, within
  // the numerics contract: BLAS kernels block differently for different row counts, so the sums
  // are rounded differently (2.4e-6 seen with OpenBLAS's SkylakeX kernels).
  const std::vector<int64_t> first(batch.ids.begin(), batch.ids.begin() + batch.tokens);
  model.forward(ForwardInput::single(first), single_observers);
  EXPECT_TRUE(all_close("attentions", single_store.sequence(0), batch_store.sequence(0), 1e-5));
  // One token: every head attends to it with probability exactly 1.
  AttentionStore one_store;
  AttentionObserver* one_observers[] = {&one_store};
  model.forward(ForwardInput::single({first[0]}), one_observers);
  const Tensor one = one_store.sequence(0);
  for (float p : one.values()) EXPECT_EQ(p, 1.0f);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryArch, ::testing::ValuesIn(registered_archs()),
                         [](const ::testing::TestParamInfo<const ArchSpec*>& info) {
                           return std::string(info.param->family);
                         });

TEST(ForwardMasks, LeftPaddedCausalRowsAreZerosNotNan) {
  const Model model = testing::random_model(arch_by_family("llama"), 5);
  ForwardInput input = ForwardInput::single({0, 0, 7, 8, 9});
  input.attention_mask = {0, 0, 1, 1, 1};
  AttentionStore store;
  AttentionObserver* observers[] = {&store};
  model.forward(input, observers);
  const Tensor probs = store.layer(0);  // [head, query_pos, key_pos]
  for (float p : probs.values()) EXPECT_FALSE(std::isnan(p));
  // Query 0 sees only key 0, which is padding: the whole row is masked.
  for (int64_t key = 0; key < 5; ++key) EXPECT_EQ(probs.at({0, 0, key}), 0.0f);
  EXPECT_EQ(probs.at({0, 2, 0}), 0.0f);
  EXPECT_EQ(probs.at({0, 2, 2}), 1.0f);
}

TEST(ForwardMasks, LogitsNeedAnLmHead) {
  const Model model = testing::random_model(arch_by_family("bert"), 5);
  EXPECT_FALSE(model.has_lm_head());
  EXPECT_THROW(model.forward(ForwardInput::single({1, 2}), {}, {.logits = true}), UnsupportedError);
}

TEST(ForwardMasks, TiedHeadReusesEmbeddings) {
  const Model model = testing::random_model(arch_by_family("qwen2"), 5);
  ASSERT_TRUE(model.weights().lm_head_tied);
  const ForwardResult out =
      model.forward(ForwardInput::single({3}), {}, {.hidden_states = true, .logits = true});
  // logits[v] = final hidden · embedding[v]
  const int64_t D = model.config().hidden_size, L = model.config().num_hidden_layers;
  double dot = 0.0;
  for (int64_t i = 0; i < D; ++i) {
    dot += out.hidden_states.at({0, L, 0, i}) * model.weights().token_embedding.at({17, i});
  }
  EXPECT_NEAR(out.logits.at({0, 0, 17}), dot, 1e-4);
}

}  // namespace
}  // namespace attnscope
