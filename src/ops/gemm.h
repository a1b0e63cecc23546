// Matrix products. Every projection of the forward pass goes through linear(), the per-head
// attention scores and context through gemm(). Both run attnscope's own AVX-512 kernel where
// the CPU has AVX-512 (ops/gemm_avx512.h says why) and BLAS (cblas_sgemm) elsewhere.
// ATTNSCOPE_GEMM=blas (or avx512, auto) in the environment, or set_linear_kernel(), overrides
// the choice, e.g. to compare the two.
//
//   // y [rows, out] = x [rows, in] · weight[out, in]^T + bias[out]
//   linear(x, rows, in, weight, bias, out, y);
#pragma once

#include <cstdint>
#include <string_view>

namespace attnscope::ops {

// What a causal attention product can skip (the BLAS kernel skips nothing; the result is the
// same). kLowerResult: only C[i][j] with j <= i is needed; the rest of C is left unspecified.
// kLowerInput: A[i][p] is 0 for p > i, so those terms are not summed.
enum class Triangle { kNone, kLowerResult, kLowerInput };

// Row-major C[m, n] = alpha · op(A) · op(B) + beta · C, with leading dimensions (row strides)
// lda, ldb, ldc. op(A) is [m, k], op(B) is [k, n]. The AVX-512 kernel takes the calls without
// transpose_a and with beta = 0; BLAS the others.
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc, Triangle triangle = Triangle::kNone);

// The Hugging Face nn.Linear: y [rows, out] = x [rows, in] · weight[out, in]^T (+ bias[out] when
// bias is not null). y must not alias x. On the AVX-512 kernel, up to 128 rows take its
// dot-product variant (no packing: each weight row streams once from memory), more rows the
// packed, register-tiled one.
void linear(const float* x, int64_t rows, int64_t in, const float* weight, const float* bias,
            int64_t out, float* y);

enum class LinearKernel {
  kAuto,    // AVX-512 when the CPU and OS support it, else BLAS
  kBlas,    // cblas_sgemm
  kAvx512,  // attnscope's kernel (ops/gemm_avx512.h)
};

// The kernel linear() runs now: never kAuto. The first call reads ATTNSCOPE_GEMM ("auto",
// "blas" or "avx512"; unset = auto) and throws ConfigError for any other value, or
// UnsupportedError for "avx512" on a CPU without it.
LinearKernel linear_kernel();
// Chooses the kernel for every later linear() (kAuto: back to the CPU's choice). Throws
// UnsupportedError for kAvx512 on a CPU without AVX-512.
void set_linear_kernel(LinearKernel kernel);
bool avx512_available();

// True when gemm() and linear() called inside an ops::parallel_for body run on that thread alone
// (attnscope's kernel), so many small products (one per attention head) can run side by side.
// False with BLAS, which spreads each call over its own threads: call it from one thread.
bool gemm_runs_per_thread();

// Working memory the active kernel keeps per thread that runs it (packed blocks of A and B, kept
// between calls), for memory estimates; 0 for BLAS, which manages its own buffers.
uint64_t gemm_scratch_bytes_per_thread();
const char* linear_kernel_name(LinearKernel kernel);  // "auto", "blas", "avx512"
// The inverse of linear_kernel_name; ConfigError naming ATTNSCOPE_GEMM for anything else.
LinearKernel parse_linear_kernel(std::string_view name);

// Adds bias[cols] to every row of y [rows, cols].
void add_bias(float* y, int64_t rows, int64_t cols, const float* bias);

}  // namespace attnscope::ops
