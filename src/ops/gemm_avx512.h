// attnscope's own AVX-512 GEMM for the forward pass's projections (C = A · W^T + bias) and
// per-head attention products. Internal to ops: ops::linear and ops::gemm (gemm.h) choose
// between this and BLAS at run time.
//
// Why it exists: OpenBLAS picks its kernels by CPU model, and Debian 12's OpenBLAS 0.3.21 runs
// its AVX2 (Haswell) kernels on CPUs it does not know (AMD Zen 5; some environments also force
// them with OPENBLAS_CORETYPE). On a CPU with AVX-512 that halves the peak of every projection.
// This kernel is chosen by the CPU's features, not its model, so it uses AVX-512 wherever the
// CPU and the OS support it, and OpenBLAS keeps every other machine (and transposed-A or
// beta != 0 calls).
//
// Projections of few rows use gemm_nt_small_rows_avx512 below instead. Blocking of the packed
// kernel (Goto / BLIS style): the weight is packed per call into panels of 32 output columns
// × 256 inputs (32 KiB, stays in L1 while it is swept over a block of A's rows from L2); a
// 12 × 32 micro-tile lives in 24 zmm registers; output panels are spread over the ops worker
// pool. Each C entry is the f32 sum over k in increasing order, 256 terms at a time, as a BLAS
// kernel sums; no reassociation beyond that.
#pragma once

#include <cstdint>

namespace attnscope::ops {
enum class Triangle;
struct WeightView;
}  // namespace attnscope::ops

namespace attnscope::ops::detail {

// The packed blocks each thread keeps between calls: up to 1200 x 256 floats of A, 256 x 32 of B.
inline constexpr uint64_t kAvx512ScratchBytesPerThread = (1200 * 256 + 256 * 32) * sizeof(float);

// True when the CPU has AVX-512 F and the OS saves the zmm registers.
bool avx512_supported();

// C[m, n] = alpha · A[m, k] · op(B) (+ bias[n] on every row when bias is not null), where op(B)
// is B^T for B [n, k] (a weight, transpose_b) or B [k, n]. Row strides lda, ldb, ldc (in floats).
// C must not overlap A or B. Runs on the ops worker pool, or on the calling thread alone inside
// a parallel_for body. `triangle` (ops/gemm.h) skips the micro-tiles a causal product does not
// need. Only call when avx512_supported().
void gemm_avx512(bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, const float* bias, float* c, int64_t ldc,
                 Triangle triangle);

// The same product (alpha = 1, no triangles) for few rows (ops::linear uses it up to 128): dot
// products of A rows with W rows (W [n, k], row stride ldw), no packing. Sums 16 partial sums per
// entry and adds them pairwise at the end (a different rounding order than gemm_avx512, within the
// same f32 bounds). Only call when avx512_supported().
void gemm_nt_small_rows_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                               const float* w, int64_t ldw, const float* bias, float* c,
                               int64_t ldc);

// C[m, n] = A[m, k] · W^T (+ bias) for a weight view (ops/gemm.h: stored dtype, [out, in] or
// [in, out], parts), converting W to f32 while packing (`small_rows`: the dot-product kernel
// above, streaming W rows and converting 16 values at a time; only for [out, in] views). F32
// single-part views run exactly the f32 kernels above. Only call when avx512_supported().
void linear_weight_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                          const WeightView& w, const float* bias, float* c, int64_t ldc,
                          bool small_rows);

}  // namespace attnscope::ops::detail
