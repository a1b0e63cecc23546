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
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "ops/ggml_quant.h"

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

// A weight matrix W [out, in] (nn.Linear's layout) read where it lies, typically inside the
// memory-mapped checkpoint: in its stored dtype (F32, F16 or BF16; the kernels convert to f32
// while packing or streaming, exactly, so the products equal those of an f32 copy), stored either
// as [out, in] rows or as GPT-2's Conv1D [in, out] (`in_out`), and for [out, in] as several runs
// of rows in different places (separate q, k and v projections; GPT-NeoX's per-head groups).
//
// GGUF tensors (`blocks`): each row is a run of ggml blocks (Q4_K, Q8_0, ...; ops/ggml_quant.h),
// each part with its own type (llama.cpp's mixed files quantize q, k and v differently). The
// kernels dequantize a row's K-slice or a few whole rows at a time, as they pack or stream, so
// the matrix stays at its file size; the values are ggml's reference dequantization, exactly.
struct WeightPart {
  int64_t rows = 0;                // consecutive output rows of W held here
  const void* data = nullptr;      // [rows, in] row-major (or the whole [in, out] with in_out)
  GgmlType type = GgmlType::kF32;  // the rows' ggml type; read only when the view is `blocks`
  // Row i of the part is stored row i * stride from `data` (2: every other row, how llama.cpp's
  // converter interleaves the halves of a q/k head; [out, in] only).
  int64_t stride = 1;
};

struct WeightView {
  DType dtype = DType::kF32;  // F32, F16 or BF16 (unused with `blocks`)
  bool in_out = false;        // stored [in, out]: W(o, i) at data[i * out + o]; one part
  int64_t out = 0;
  int64_t in = 0;
  std::span<const WeightPart> parts;  // their rows add up to `out`
  bool blocks = false;  // rows of ggml types, one per part (WeightPart::type); [out, in] only

  // Row o (< out) of an [out, in] view: `in` elements of `dtype` (or the part's ggml row).
  const void* row(int64_t o) const;
  // Values [k0, k0 + count) of row o as f32 (any [out, in] view; with `blocks`, k0 and count
  // whole blocks of the row's type: multiples of 256 always are).
  void row_to_f32(int64_t o, int64_t k0, int64_t count, float* dst) const;
  // The stored bytes behind the view, one [first byte, byte count) range per part (a part read
  // with a row stride spans the rows it skips too).
  std::vector<std::pair<const void*, size_t>> stored_ranges() const;
  // True when W is one f32 [out, in] or [in, out] array (BLAS reads it directly).
  bool plain_f32() const {
    return !blocks && dtype == DType::kF32 && parts.size() == 1 && parts[0].stride == 1;
  }
};

// linear() for any WeightView. out and in must match the view's; UnsupportedError for a dtype
// other than F32, F16 and BF16, or a ggml type ops/ggml_quant.h cannot dequantize.
void linear(const float* x, int64_t rows, int64_t in, const WeightView& weight, const float* bias,
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
