#include "ops/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "ops/gemm_avx512.h"
#include "ops/parallel.h"

namespace attnscope::ops {
namespace {

blasint to_blas(int64_t value, const char* what) {
  if (value < 0 || value > std::numeric_limits<blasint>::max()) {
    throw LimitError(std::string("matrix ") + what + " " + std::to_string(value) +
                     " is outside what the BLAS library accepts");
  }
  return static_cast<blasint>(value);
}

// Up to this many rows a projection is bound by its weight streaming from memory: the
// dot-product kernel, which reads each weight row once front to back without packing, measured
// faster there (BERT-base 1x32: 28-30 vs 35-36 ms; 1x128: 89 vs 92-94 ms; bench/README.md).
constexpr int64_t kSmallRows = 128;

LinearKernel resolve(LinearKernel kernel) {
  if (kernel == LinearKernel::kAvx512 && !detail::avx512_supported()) {
    throw UnsupportedError(
        "the AVX-512 GEMM kernel was asked for, but this CPU (or its OS) has no AVX-512; "
        "use ATTNSCOPE_GEMM=blas or auto");
  }
  if (kernel != LinearKernel::kAuto) return kernel;
  return detail::avx512_supported() ? LinearKernel::kAvx512 : LinearKernel::kBlas;
}

LinearKernel requested_in_environment() {
  const char* value = std::getenv("ATTNSCOPE_GEMM");
  if (value == nullptr || *value == '\0') return LinearKernel::kAuto;
  return parse_linear_kernel(value);
}

// kAuto until the first linear_kernel() call resolves it.
std::atomic<LinearKernel> g_kernel{LinearKernel::kAuto};
std::atomic<bool> g_kernel_chosen{false};

}  // namespace

LinearKernel linear_kernel() {
  if (!g_kernel_chosen.load(std::memory_order_acquire)) {
    g_kernel.store(resolve(requested_in_environment()), std::memory_order_relaxed);
    g_kernel_chosen.store(true, std::memory_order_release);
  }
  return g_kernel.load(std::memory_order_relaxed);
}

void set_linear_kernel(LinearKernel kernel) {
  g_kernel.store(resolve(kernel), std::memory_order_relaxed);
  g_kernel_chosen.store(true, std::memory_order_release);
}

bool avx512_available() { return detail::avx512_supported(); }

bool gemm_runs_per_thread() { return linear_kernel() == LinearKernel::kAvx512; }

uint64_t gemm_scratch_bytes_per_thread() {
  return linear_kernel() == LinearKernel::kAvx512 ? detail::kAvx512ScratchBytesPerThread : 0;
}

LinearKernel parse_linear_kernel(std::string_view name) {
  for (LinearKernel kernel : {LinearKernel::kAuto, LinearKernel::kBlas, LinearKernel::kAvx512}) {
    if (name == linear_kernel_name(kernel)) return kernel;
  }
  throw ConfigError("ATTNSCOPE_GEMM",
                    "unknown GEMM kernel '" + std::string(name) + "': use auto, blas or avx512");
}

const char* linear_kernel_name(LinearKernel kernel) {
  switch (kernel) {
    case LinearKernel::kAuto:
      return "auto";
    case LinearKernel::kBlas:
      return "blas";
    case LinearKernel::kAvx512:
      return "avx512";
  }
  return "?";
}

void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc, Triangle triangle) {
  if (m == 0 || n == 0) return;
  if (!transpose_a && beta == 0.0f && linear_kernel() == LinearKernel::kAvx512) {
    detail::gemm_avx512(transpose_b, m, n, k, alpha, a, lda, b, ldb, nullptr, c, ldc, triangle);
    return;
  }
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
              transpose_b ? CblasTrans : CblasNoTrans, to_blas(m, "rows"), to_blas(n, "columns"),
              to_blas(k, "inner size"), alpha, a, to_blas(lda, "stride"), b, to_blas(ldb, "stride"),
              beta, c, to_blas(ldc, "stride"));
}

void add_bias(float* y, int64_t rows, int64_t cols, const float* bias) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
  }
}

namespace {

// Bytes of one row of `in` values of a ggml type (in is a whole number of its blocks).
size_t ggml_row_bytes(GgmlType type, int64_t in) {
  const GgmlTypeTraits& t = ggml_type_traits(type);
  return static_cast<size_t>(in / t.block_size * t.type_size);
}

}  // namespace

const void* WeightView::row(int64_t o) const {
  for (const WeightPart& part : parts) {
    if (o < part.rows) {
      const size_t row_bytes =
          blocks ? ggml_row_bytes(part.type, in) : static_cast<size_t>(in) * dtype_size(dtype);
      return static_cast<const std::byte*>(part.data) +
             static_cast<size_t>(o * part.stride) * row_bytes;
    }
    o -= part.rows;
  }
  return nullptr;  // o >= out: a caller bug
}

std::vector<std::pair<const void*, size_t>> WeightView::stored_ranges() const {
  std::vector<std::pair<const void*, size_t>> ranges;
  if (in_out) {
    if (!parts.empty()) ranges.emplace_back(parts[0].data, out * in * dtype_size(dtype));
    return ranges;
  }
  for (const WeightPart& part : parts) {
    if (part.rows <= 0) continue;
    const size_t row_bytes =
        blocks ? ggml_row_bytes(part.type, in) : static_cast<size_t>(in) * dtype_size(dtype);
    ranges.emplace_back(part.data,
                        static_cast<size_t>((part.rows - 1) * part.stride + 1) * row_bytes);
  }
  return ranges;
}

void WeightView::row_to_f32(int64_t o, int64_t k0, int64_t count, float* dst) const {
  if (!blocks) {
    const auto* r = static_cast<const std::byte*>(row(o));
    convert_to_f32(dtype, r + static_cast<size_t>(k0) * dtype_size(dtype),
                   static_cast<size_t>(count), dst);
    return;
  }
  for (const WeightPart& part : parts) {
    if (o < part.rows) {
      const auto* r = static_cast<const std::byte*>(part.data) +
                      static_cast<size_t>(o * part.stride) * ggml_row_bytes(part.type, in);
      dequantize_row_range(part.type, r, k0, count, dst);
      return;
    }
    o -= part.rows;
  }
}

namespace {

// linear() through BLAS for views it cannot read directly (F16/BF16, several parts): blocks of
// output columns converted to f32 into a bounded buffer (about 4 MiB), one sgemm each, adding to
// y, which starts as the bias (or 0).
void linear_blas_converted(const float* x, int64_t rows, int64_t in, const WeightView& w,
                           const float* bias, int64_t out, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    if (bias != nullptr) {
      std::memcpy(y + r * out, bias, out * sizeof(float));
    } else {
      std::fill(y + r * out, y + (r + 1) * out, 0.0f);
    }
  }
  const int64_t block = std::max<int64_t>(16, (int64_t{1} << 20) / std::max<int64_t>(in, 1));
  std::vector<float> buffer(static_cast<size_t>(std::min(block, out) * in));
  const size_t element = w.blocks ? 0 : dtype_size(w.dtype);
  for (int64_t o0 = 0; o0 < out; o0 += block) {
    const int64_t cols = std::min(block, out - o0);
    if (w.in_out) {  // buffer [in, cols]: columns o0.. of every stored row
      const auto* base = static_cast<const std::byte*>(w.parts[0].data);
      for (int64_t i = 0; i < in; ++i) {
        convert_to_f32(w.dtype, base + static_cast<size_t>(i * out + o0) * element,
                       static_cast<size_t>(cols), buffer.data() + i * cols);
      }
      gemm(false, false, rows, cols, in, 1.0f, x, in, buffer.data(), cols, 1.0f, y + o0, out);
    } else {  // buffer [cols, in]: rows o0.. of W
      parallel_for(cols, std::max<int64_t>(1, 16384 / std::max<int64_t>(in, 1)),
                   [&](int64_t first, int64_t last) {
                     for (int64_t j = first; j < last; ++j) {
                       w.row_to_f32(o0 + j, 0, in, buffer.data() + j * in);
                     }
                   });
      gemm(false, true, rows, cols, in, 1.0f, x, in, buffer.data(), in, 1.0f, y + o0, out);
    }
  }
}

}  // namespace

void linear(const float* x, int64_t rows, int64_t in, const WeightView& weight, const float* bias,
            int64_t out, float* y) {
  if (weight.out != out || weight.in != in) {
    throw ShapeError("linear: weight is [" + std::to_string(weight.out) + ", " +
                     std::to_string(weight.in) + "], expected [" + std::to_string(out) + ", " +
                     std::to_string(in) + "]");
  }
  if (weight.blocks) {
    for (const WeightPart& part : weight.parts) {
      const GgmlTypeTraits& t = ggml_type_traits(part.type);
      if (!t.dequantizable) {
        throw UnsupportedError("the GEMM cannot dequantize ggml type " + std::string(t.name));
      }
      if (in % t.block_size != 0) {
        throw ShapeError("linear: rows of " + std::to_string(in) + " values are not whole " +
                         std::string(t.name) + " blocks of " + std::to_string(t.block_size));
      }
    }
    if (weight.in_out) throw ShapeError("linear: a block-quantized weight cannot be [in, out]");
  } else if (weight.dtype != DType::kF32 && weight.dtype != DType::kF16 &&
             weight.dtype != DType::kBF16) {
    throw UnsupportedError("the GEMM reads F32, F16 and BF16 weights, not " +
                           std::string(dtype_name(weight.dtype)));
  }
  if (rows == 0 || out == 0) return;
  if (linear_kernel() == LinearKernel::kAvx512) {
    detail::linear_weight_avx512(rows, out, in, x, in, weight, bias, y, out, rows <= kSmallRows);
    return;
  }
  if (!weight.plain_f32()) {
    linear_blas_converted(x, rows, in, weight, bias, out, y);
    return;
  }
  const auto* w = static_cast<const float*>(weight.parts[0].data);
  if (!weight.in_out) {
    linear(x, rows, in, w, bias, out, y);
    return;
  }
  // [in, out] as stored: y = x · W, no transpose.
  if (bias == nullptr) {
    gemm(false, false, rows, out, in, 1.0f, x, in, w, out, 0.0f, y, out);
    return;
  }
  for (int64_t r = 0; r < rows; ++r) std::memcpy(y + r * out, bias, out * sizeof(float));
  gemm(false, false, rows, out, in, 1.0f, x, in, w, out, 1.0f, y, out);
}

void linear(const float* x, int64_t rows, int64_t in, const float* weight, const float* bias,
            int64_t out, float* y) {
  if (linear_kernel() == LinearKernel::kAvx512) {
    if (rows <= kSmallRows) {
      detail::gemm_nt_small_rows_avx512(rows, out, in, x, in, weight, in, bias, y, out);
      return;
    }
    detail::gemm_avx512(true, rows, out, in, 1.0f, x, in, weight, in, bias, y, out,
                        Triangle::kNone);
    return;
  }
  // y = x · weight^T: BLAS reads weight [out, in] transposed in place, no copy. With a bias, y
  // starts as the bias in every row and the GEMM accumulates onto it (beta = 1): one pass over y
  // instead of BLAS zeroing it (beta = 0) and a second pass adding the bias. Same result: the
  // kernel adds its f32 dot product to y, as add_bias would.
  if (bias == nullptr) {
    gemm(false, true, rows, out, in, 1.0f, x, in, weight, in, 0.0f, y, out);
    return;
  }
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(out, 1)),
               [&](int64_t first, int64_t last) {
                 for (int64_t r = first; r < last; ++r) {
                   std::memcpy(y + r * out, bias, out * sizeof(float));
                 }
               });
  gemm(false, true, rows, out, in, 1.0f, x, in, weight, in, 1.0f, y, out);
}

}  // namespace attnscope::ops
