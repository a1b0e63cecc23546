// Normalisations applied per token vector: LayerNorm (BERT, GPT-2, GPT-NeoX) and RMSNorm (Llama
// family; Gemma scales by 1 + weight). Statistics are accumulated in double and the result is
// rounded to f32, which stays within an ulp or two of PyTorch's f32 kernels.
//
//   // x, y: [rows, dim]
//   layer_norm(x, rows, dim, weight, bias, 1e-12f, y);
//   rms_norm(x, rows, dim, weight, 1e-6f, RmsWeight::kOnePlus, y);
#pragma once

#include <cstdint>

namespace attnscope::ops {

// y = (x - mean) / sqrt(var + eps) * weight + bias, biased variance (like torch). `bias` may be
// null; `weight` may be null too (no scaling: OLMo's non-parametric LayerNorm). y may alias x.
void layer_norm(const float* x, int64_t rows, int64_t dim, const float* weight, const float* bias,
                float eps, float* y);

// How the RMSNorm weight scales the normalised vector.
enum class RmsWeight {
  kPlain,    // x̂ · weight (Llama, Mistral, Qwen2)
  kOnePlus,  // x̂ · (1 + weight) (Gemma)
};

// y = x / sqrt(mean(x²) + eps) scaled by the weight as `mode` says. y may alias x.
void rms_norm(const float* x, int64_t rows, int64_t dim, const float* weight, float eps,
              RmsWeight mode, float* y);

}  // namespace attnscope::ops
