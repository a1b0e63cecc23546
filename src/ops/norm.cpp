#include "ops/norm.h"

#include <algorithm>
#include <cmath>

#include "ops/parallel.h"

namespace attnscope::ops {

namespace {

// Rows per parallel chunk: about 16K values.
int64_t row_grain(int64_t dim) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(dim, 1)); }

void layer_norm_rows(const float* x, int64_t first, int64_t last, int64_t dim, const float* weight,
                     const float* bias, float eps, float* y) {
  for (int64_t r = first; r < last; ++r) {
    const float* in = x + r * dim;
    float* out = y + r * dim;
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < dim; ++i) sum += in[i];
    const double mean = sum / static_cast<double>(dim);
    double squares = 0.0;
#pragma omp simd reduction(+ : squares)
    for (int64_t i = 0; i < dim; ++i) {
      const double centered = in[i] - mean;
      squares += centered * centered;
    }
    const double variance = squares / static_cast<double>(dim);
    const float inv_std = static_cast<float>(1.0 / std::sqrt(variance + static_cast<double>(eps)));
    const float mean_f = static_cast<float>(mean);
    if (weight == nullptr) {
      // Non-parametric (OLMo): F.layer_norm(x, shape, None, None, eps).
      for (int64_t i = 0; i < dim; ++i) {
        out[i] = (in[i] - mean_f) * inv_std + (bias != nullptr ? bias[i] : 0.0f);
      }
    } else if (bias != nullptr) {
#pragma omp simd
      for (int64_t i = 0; i < dim; ++i) out[i] = (in[i] - mean_f) * inv_std * weight[i] + bias[i];
    } else {
#pragma omp simd
      for (int64_t i = 0; i < dim; ++i) out[i] = (in[i] - mean_f) * inv_std * weight[i];
    }
  }
}

void rms_norm_rows(const float* x, int64_t first, int64_t last, int64_t dim, const float* weight,
                   float eps, RmsWeight mode, float* y) {
  for (int64_t r = first; r < last; ++r) {
    const float* in = x + r * dim;
    float* out = y + r * dim;
    double squares = 0.0;
#pragma omp simd reduction(+ : squares)
    for (int64_t i = 0; i < dim; ++i) squares += static_cast<double>(in[i]) * in[i];
    // Mean and epsilon rounded to f32 as PyTorch does, then the reciprocal square root.
    const float mean_square = static_cast<float>(squares / static_cast<double>(dim));
    const float inv_rms =
        static_cast<float>(1.0 / std::sqrt(static_cast<double>(mean_square + eps)));
    if (mode == RmsWeight::kPlain) {
      for (int64_t i = 0; i < dim; ++i) out[i] = weight[i] * (in[i] * inv_rms);
    } else {
      for (int64_t i = 0; i < dim; ++i) out[i] = (in[i] * inv_rms) * (1.0f + weight[i]);
    }
  }
}

}  // namespace

void layer_norm(const float* x, int64_t rows, int64_t dim, const float* weight, const float* bias,
                float eps, float* y) {
  parallel_for(rows, row_grain(dim), [&](int64_t first, int64_t last) {
    layer_norm_rows(x, first, last, dim, weight, bias, eps, y);
  });
}

void rms_norm(const float* x, int64_t rows, int64_t dim, const float* weight, float eps,
              RmsWeight mode, float* y) {
  parallel_for(rows, row_grain(dim), [&](int64_t first, int64_t last) {
    rms_norm_rows(x, first, last, dim, weight, eps, mode, y);
  });
}

}  // namespace attnscope::ops
