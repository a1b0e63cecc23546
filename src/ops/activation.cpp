#include "ops/activation.h"

#include <cmath>

namespace attnscope::ops {

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
  for (int64_t i = 0; i < count; ++i) values[i] = activate(activation, values[i]);
}

void apply_gated_activation(Activation activation, float* gate, const float* up, int64_t count) {
  for (int64_t i = 0; i < count; ++i) gate[i] = activate(activation, gate[i]) * up[i];
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
