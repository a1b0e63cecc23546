// Matrix products through BLAS (cblas_sgemm). Every projection of the forward pass and the
// per-head attention scores go through these two calls, so the BLAS library decides the speed.
//
//   // y [rows, out] = x [rows, in] · weight[out, in]^T + bias[out]
//   linear(x, rows, in, weight, bias, out, y);
#pragma once

#include <cstdint>

namespace attnscope::ops {

// Row-major C[m, n] = alpha · op(A) · op(B) + beta · C, with leading dimensions (row strides)
// lda, ldb, ldc. op(A) is [m, k], op(B) is [k, n].
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc);

// The Hugging Face nn.Linear: y [rows, out] = x [rows, in] · weight[out, in]^T (+ bias[out] when
// bias is not null). y must not alias x.
void linear(const float* x, int64_t rows, int64_t in, const float* weight, const float* bias,
            int64_t out, float* y);

// Adds bias[cols] to every row of y [rows, cols].
void add_bias(float* y, int64_t rows, int64_t cols, const float* bias);

}  // namespace attnscope::ops
