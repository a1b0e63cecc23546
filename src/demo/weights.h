// The demo model's weights, constructed in closed form (see docs/demo-model.md for the math):
// every tensor a Hugging Face LlamaForCausalLM checkpoint holds, f32, in HF layout
// (Linear weights are [out_features, in_features]).
//
//   std::map<std::string, Tensor> weights = demo_weights();
//   const Tensor& wq = weights.at("model.layers.0.self_attn.q_proj.weight");  // [256, 256]
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace attnscope::demo {

// Where things live in the residual stream (hidden dimension indices).
inline constexpr int64_t kConstDim = 0;         // 1 for every token: positional heads read it
inline constexpr int64_t kBosDim = 1;           // 1 for <s> only: the sink heads' keys read it
inline constexpr int64_t kCodeDims = 34;        // token identity code length
inline constexpr int64_t kTokenBegin = 2;       // [2, 36): the token's own code
inline constexpr int64_t kPreviousBegin = 36;   // [36, 70): previous token's code (layer 0 writes)
inline constexpr int64_t kPreviousBosDim = 70;  // previous token was <s>
inline constexpr int64_t kInductionBegin = 71;  // [71, 105): induction output (layer 1 writes)
inline constexpr int64_t kJunkBegin = 105;      // [105, 256): outputs nobody reads

// Rotary planes of a head (plane p = head dims p and p + head_dim / 2).
inline constexpr int64_t kPositionalPlanes = 11;   // planes [0, 11): relative-position kernels
inline constexpr int64_t kContentPlaneBegin = 14;  // planes [14, 31): token matching (34 dims)
inline constexpr int64_t kSinkPlane = 31;          // slowest plane: <s> sink

// Attention-score design values (logits, after the 1/sqrt(head_dim) scale).
inline constexpr double kPositionalGap = 40.0;  // kernel peak minus the sum's lower bound scale
inline constexpr double kSinkScoreLayer0 = 16.0;
inline constexpr double kInductionMatch = 48.0;  // same token, codes dot = 1
inline constexpr double kInductionSink = 30.0;   // fallback onto <s> when nothing matches
// Token codes are ±1/sqrt(kCodeDims) vectors with |code_a · code_b| <= this for a != b.
inline constexpr double kMaxCodeOverlap = 14.0 / 34.0;

// Unit-norm identity codes of every token id except <s> (whose row is all zero): [vocab,
// kCodeDims].
Tensor demo_token_codes();

// Every tensor of the checkpoint by its Hugging Face name.
std::map<std::string, Tensor> demo_weights();

}  // namespace attnscope::demo
