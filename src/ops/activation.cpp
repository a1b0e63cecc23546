#include "ops/activation.h"

#include <cmath>

#include "ops/fast_math.h"
#include "ops/parallel.h"

namespace attnscope::ops {
namespace {

constexpr float kSqrtHalf = static_cast<float>(M_SQRT1_2);
constexpr float kSqrt2OverPi = 0.7978845608028654f;

// The vectorisable forms used over whole buffers (exp_f32 / erf_f32 instead of libm).
inline float gelu_erf(float x) { return x * 0.5f * one_plus_erf_f32(x * kSqrtHalf); }
inline float gelu_tanh(float x) {
  const float inner = kSqrt2OverPi * (x + 0.044715f * x * x * x);
  // 0.5 · (1 + tanh(u)) = 1 / (1 + e^{-2u}): no cancellation in the negative tail, no overflow
  // (exp_f32 clamps).
  return x / (1.0f + exp_f32(-2.0f * inner));
}
inline float silu(float x) { return x / (1.0f + exp_f32(-x)); }
inline float relu(float x) { return x > 0.0f ? x : 0.0f; }

// Elements per parallel chunk: large enough that waking a worker is worth it.
constexpr int64_t kGrain = 16384;

template <typename F>
void map_in_place(float* values, int64_t count, F f) {
  parallel_for(count, kGrain, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) values[i] = f(values[i]);
  });
}

template <typename F>
void map_gated(float* gate, const float* up, int64_t count, F f) {
  parallel_for(count, kGrain, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) gate[i] = f(gate[i]) * up[i];
  });
}

}  // namespace

float activate(Activation activation, float x) {
  switch (activation) {
    case Activation::kGeluErf:
      return x * 0.5f * (1.0f + std::erf(x * static_cast<float>(M_SQRT1_2)));
    case Activation::kGeluTanh: {
      constexpr float kSqrt2OverPi = 0.7978845608028654f;
      const float inner = kSqrt2OverPi * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.0f + std::tanh(inner));
    }
    case Activation::kSilu:
      return x / (1.0f + std::exp(-x));
    case Activation::kRelu:
      return x > 0.0f ? x : 0.0f;
  }
  return x;
}

void apply_activation(Activation activation, float* values, int64_t count) {
  switch (activation) {
    case Activation::kGeluErf:
      return map_in_place(values, count, [](float x) { return gelu_erf(x); });
    case Activation::kGeluTanh:
      return map_in_place(values, count, [](float x) { return gelu_tanh(x); });
    case Activation::kSilu:
      return map_in_place(values, count, [](float x) { return silu(x); });
    case Activation::kRelu:
      return map_in_place(values, count, [](float x) { return relu(x); });
  }
}

void apply_gated_activation(Activation activation, float* gate, const float* up, int64_t count) {
  switch (activation) {
    case Activation::kGeluErf:
      return map_gated(gate, up, count, [](float x) { return gelu_erf(x); });
    case Activation::kGeluTanh:
      return map_gated(gate, up, count, [](float x) { return gelu_tanh(x); });
    case Activation::kSilu:
      return map_gated(gate, up, count, [](float x) { return silu(x); });
    case Activation::kRelu:
      return map_gated(gate, up, count, [](float x) { return relu(x); });
  }
}

bool activation_from_hf_name(std::string_view name, Activation* out) {
  if (name == "gelu") {
    *out = Activation::kGeluErf;
  } else if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") {
    *out = Activation::kGeluTanh;
  } else if (name == "silu" || name == "swish") {
    *out = Activation::kSilu;
  } else if (name == "relu") {
    *out = Activation::kRelu;
  } else {
    return false;
  }
  return true;
}

std::string_view activation_name(Activation activation) {
  switch (activation) {
    case Activation::kGeluErf:
      return "gelu";
    case Activation::kGeluTanh:
      return "gelu_tanh";
    case Activation::kSilu:
      return "silu";
    case Activation::kRelu:
      return "relu";
  }
  return "?";
}

}  // namespace attnscope::ops
