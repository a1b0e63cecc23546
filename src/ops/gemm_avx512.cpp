#include "ops/gemm_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

#include "ops/gemm.h"
#include "ops/parallel.h"

namespace attnscope::ops::detail {
namespace {

constexpr int64_t kMr = 12;   // rows of A per micro-tile: 12 x 2 accumulators + 2 of W + 1
constexpr int64_t kNr = 32;   // columns of C per micro-tile (two zmm registers)
constexpr int64_t kKc = 256;  // inner-dimension block: a packed B panel is 256 x 32 f32 = 32 KiB
constexpr int64_t kMaxBlockTiles = 100;  // row block: up to 1200 rows of A, 1.2 MiB packed
static_assert(kAvx512ScratchBytesPerThread ==
              (kMaxBlockTiles * kMr * kKc + kKc * kNr) * sizeof(float));

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A 64-byte aligned float buffer that only grows; one per thread (see thread_buffer).
class AlignedBuffer {
 public:
  float* get(int64_t floats) {
    if (floats > capacity_) {
      data_.reset(static_cast<float*>(
          ::operator new[](static_cast<std::size_t>(floats) * 4, std::align_val_t{64})));
      capacity_ = floats;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  std::unique_ptr<float[], Free> data_;
  int64_t capacity_ = 0;
};

// Packs rows [m0, m0 + rows) of A, inner block [k0, k0 + kc), as one micro-panel: element
// (i, p) at out[p * kMr + i]; rows past `rows` are zero.
void pack_a_tile(const float* a, int64_t lda, int64_t m0, int64_t rows, int64_t k0, int64_t kc,
                 float* out) {
  for (int64_t i = 0; i < kMr; ++i) {
    if (i < rows) {
      const float* src = a + (m0 + i) * lda + k0;
      for (int64_t p = 0; p < kc; ++p) out[p * kMr + i] = src[p];
    } else {
      for (int64_t p = 0; p < kc; ++p) out[p * kMr + i] = 0.0f;
    }
  }
}

// Packs columns [n0, n0 + cols) of op(B), inner block [k0, k0 + kc): element (p, j) at
// out[p * kNr + j]; columns past `cols` are zero. op(B)[p][j] is b[j * ldb + p] when transposed
// (a weight [n, k], row j = output column j), else b[p * ldb + j].
void pack_b_panel(bool transposed, const float* b, int64_t ldb, int64_t n0, int64_t cols,
                  int64_t k0, int64_t kc, float* out) {
  if (transposed) {
    for (int64_t j = 0; j < kNr; ++j) {
      if (j < cols) {
        const float* src = b + (n0 + j) * ldb + k0;
        for (int64_t p = 0; p < kc; ++p) out[p * kNr + j] = src[p];
      } else {
        for (int64_t p = 0; p < kc; ++p) out[p * kNr + j] = 0.0f;
      }
    }
    return;
  }
  for (int64_t p = 0; p < kc; ++p) {
    const float* src = b + (k0 + p) * ldb + n0;
    float* dst = out + p * kNr;
    std::memcpy(dst, src, static_cast<std::size_t>(cols) * sizeof(float));
    std::fill(dst + cols, dst + kNr, 0.0f);
  }
}

#pragma GCC push_options
#pragma GCC target("avx512f")

// C tile [rows, 32 (masked)] = (first ? bias or 0 : C) + alpha · (a_panel · w_panel) over kc
// inputs.
void micro_kernel(int64_t kc, const float* __restrict a_panel, const float* __restrict w_panel,
                  float alpha, float* c, int64_t ldc, int64_t rows, __mmask16 mask0,
                  __mmask16 mask1, const float* bias, bool first) {
  __m512 acc0[kMr];
  __m512 acc1[kMr];
#pragma GCC unroll 12
  for (int i = 0; i < kMr; ++i) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 w0 = _mm512_load_ps(w_panel + p * kNr);
    const __m512 w1 = _mm512_load_ps(w_panel + p * kNr + 16);
    const float* ap = a_panel + p * kMr;
#pragma GCC unroll 12
    for (int i = 0; i < kMr; ++i) {
      const __m512 ai = _mm512_set1_ps(ap[i]);
      acc0[i] = _mm512_fmadd_ps(ai, w0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(ai, w1, acc1[i]);
    }
  }
  if (alpha != 1.0f) {
    const __m512 scale = _mm512_set1_ps(alpha);
#pragma GCC unroll 12
    for (int i = 0; i < kMr; ++i) {
      acc0[i] = _mm512_mul_ps(acc0[i], scale);
      acc1[i] = _mm512_mul_ps(acc1[i], scale);
    }
  }
  __m512 base0 = _mm512_setzero_ps();
  __m512 base1 = _mm512_setzero_ps();
  if (first && bias != nullptr) {
    base0 = _mm512_maskz_loadu_ps(mask0, bias);
    base1 = _mm512_maskz_loadu_ps(mask1, bias + 16);
  }
#pragma GCC unroll 12
  for (int i = 0; i < kMr; ++i) {
    if (i < rows) {
      float* row = c + i * ldc;
      if (!first) {
        base0 = _mm512_maskz_loadu_ps(mask0, row);
        base1 = _mm512_maskz_loadu_ps(mask1, row + 16);
      }
      _mm512_mask_storeu_ps(row, mask0, _mm512_add_ps(base0, acc0[i]));
      _mm512_mask_storeu_ps(row + 16, mask1, _mm512_add_ps(base1, acc1[i]));
    }
  }
}

#pragma GCC pop_options

__mmask16 column_mask(int64_t cols) {
  if (cols >= 16) return static_cast<__mmask16>(0xFFFF);
  if (cols <= 0) return 0;
  return static_cast<__mmask16>((1u << cols) - 1u);
}

}  // namespace

bool avx512_supported() {
  static const bool supported = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return supported;
}

void gemm_avx512(bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, const float* bias, float* c, int64_t ldc,
                 Triangle triangle) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      if (bias != nullptr) {
        std::memcpy(row, bias, static_cast<std::size_t>(n) * sizeof(float));
      } else {
        std::fill(row, row + n, 0.0f);
      }
    }
    return;
  }
  // Rows go in blocks of at most kMaxBlockTiles micro-tiles (balanced), inputs in blocks of
  // kKc. For each (row block, input block): the row block of A is packed once (shared by all
  // threads, at most 1200 x 256 floats), then the output panels of 32 columns are spread over
  // the threads; each packs its B panel and sweeps it over the row block's tiles.
  const int64_t tiles = ceil_div(m, kMr);
  const int64_t row_blocks = ceil_div(tiles, kMaxBlockTiles);
  const int64_t block_tiles = ceil_div(tiles, row_blocks);
  const int64_t panels = ceil_div(n, kNr);
  thread_local AlignedBuffer a_buffer;
  float* a_packed = a_buffer.get(block_tiles * kMr * kKc);
  for (int64_t first_tile = 0; first_tile < tiles; first_tile += block_tiles) {
    const int64_t end_tile = std::min(tiles, first_tile + block_tiles);
    for (int64_t k0 = 0; k0 < k; k0 += kKc) {
      const int64_t kc = std::min(kKc, k - k0);
      // Tile t's micro-panel [kc, kMr] starts at a_packed + (t - first_tile) · kMr · kc.
      parallel_for(end_tile - first_tile, std::max<int64_t>(1, 16384 / (kMr * kc)),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t t = first_tile + begin; t < first_tile + end; ++t) {
                       pack_a_tile(a, lda, t * kMr, std::min(kMr, m - t * kMr), k0, kc,
                                   a_packed + (t - first_tile) * kMr * kc);
                     }
                   });
      parallel_for(panels, 1, [&](int64_t first_panel, int64_t last_panel) {
        thread_local AlignedBuffer b_buffer;
        float* b_packed = b_buffer.get(kKc * kNr);
        for (int64_t panel = first_panel; panel < last_panel; ++panel) {
          const int64_t n0 = panel * kNr;
          const int64_t cols = std::min(kNr, n - n0);
          pack_b_panel(transpose_b, b, ldb, n0, cols, k0, kc, b_packed);
          for (int64_t t = first_tile; t < end_tile; ++t) {
            const int64_t rows = std::min(kMr, m - t * kMr);
            const int64_t last_row = t * kMr + rows - 1;
            int64_t terms = kc;
            if (triangle == Triangle::kLowerResult && n0 > last_row) continue;
            if (triangle == Triangle::kLowerInput) {
              if (k0 > last_row) continue;  // A is 0 there: C already holds the whole sum
              terms = std::min(kc, last_row + 1 - k0);
            }
            micro_kernel(terms, a_packed + (t - first_tile) * kMr * kc, b_packed, alpha,
                         c + t * kMr * ldc + n0, ldc, rows, column_mask(cols),
                         column_mask(cols - 16), bias != nullptr ? bias + n0 : nullptr, k0 == 0);
          }
        }
      });
    }
  }
}

}  // namespace attnscope::ops::detail
