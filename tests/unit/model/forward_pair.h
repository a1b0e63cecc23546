// The fast forward (Model::forward) and the reference forward (plain loops) of one model on one
// input, each observed by a full AttentionStore: the reference forward is the second oracle of
// every model test (random weights, options HF's golden files do not cover).
//
//   const testing::ForwardPair run(model, input);
//   EXPECT_TRUE(run.agree());
//   EXPECT_TRUE(attention_invariants("attentions", run.fast_store.sequence(0), visible));
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "model/attention_store.h"
#include "model/model.h"
#include "tensor_compare.h"

namespace attnscope::testing {

struct ForwardPair {
  ForwardPair(const Model& model, const ForwardInput& in,
              const ForwardOptions& opts = {.hidden_states = true})
      : input(in), options(opts) {
    AttentionObserver* fast_observers[] = {&fast_store};
    AttentionObserver* reference_observers[] = {&reference_store};
    fast = model.forward(input, fast_observers, options);
    reference =
        reference_forward(model.config(), model.weights(), input, reference_observers, options);
  }

  // Attention of every sequence within 1e-5; hidden states and logits, when asked for, within
  // 1e-4 x their largest magnitude (the numerics contract of DESIGN.md).
  ::testing::AssertionResult agree() const {
    for (int64_t b = 0; b < input.batch; ++b) {
      ::testing::AssertionResult close =
          all_close("attentions of sequence " + std::to_string(b), fast_store.sequence(b),
                    reference_store.sequence(b), 1e-5);
      if (!close) return close;
    }
    if (options.hidden_states) {
      ::testing::AssertionResult close =
          close_at_scale("hidden_states", fast.hidden_states, reference.hidden_states);
      if (!close) return close;
    }
    if (options.logits) {
      return close_at_scale("logits", fast.logits, reference.logits);
    }
    return ::testing::AssertionSuccess();
  }

  ForwardInput input;
  ForwardOptions options;
  AttentionStore fast_store;
  AttentionStore reference_store;
  ForwardResult fast;
  ForwardResult reference;
};

}  // namespace attnscope::testing
