// Elementwise activations of the MLP, named after what Hugging Face's ACT2FN computes.
//
//   apply_activation(Activation::kGeluTanh, values.data(), values.size());
#pragma once

#include <cstdint>
#include <string_view>

namespace attnscope::ops {

enum class Activation {
  kGeluErf,   // "gelu": x/2 · (1 + erf(x/√2))
  kGeluTanh,  // "gelu_new", "gelu_pytorch_tanh": x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))
  kSilu,      // "silu", "swish": x · sigmoid(x)
  kRelu,      // "relu"
};

// In place over `count` values. Vectorised (exp_f32 / erf_f32 of ops/fast_math.h): relative
// error ~1e-6 of the exact activation, tails included (tests/unit/ops/fast_math_test.cpp).
// activate() below is the libm form the reference forward uses.
void apply_activation(Activation activation, float* values, int64_t count);

// Gated MLP (Llama's act(gate) · up): gate[i] = act(gate[i]) · up[i].
void apply_gated_activation(Activation activation, float* gate, const float* up, int64_t count);

float activate(Activation activation, float x);

// "gelu", "gelu_new", ... -> the activation; false for a name we do not compute.
bool activation_from_hf_name(std::string_view name, Activation* out);
std::string_view activation_name(Activation activation);

}  // namespace attnscope::ops
