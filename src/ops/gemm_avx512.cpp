#include "ops/gemm_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
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

// GCC: this part is compiled for AVX-512 here (clang gets -mavx512* for the file, ops/CMakeLists).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC target("avx512f")
// GCC 12's AVX-512 intrinsics pass _mm512_undefined_ps() (a self-initialised variable) as the
// unused merge source; -Wmaybe-uninitialized (-Wuninitialized under ASan) reports it inside
// avx512fintrin.h.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"  // the same, as the ASan build reports it
#endif

__mmask16 first_lanes(int64_t count) {
  if (count >= 16) return static_cast<__mmask16>(0xFFFF);
  if (count <= 0) return 0;
  return static_cast<__mmask16>((1u << count) - 1u);
}

// 16 values of a weight row in its stored dtype, from element p on, as f32; elements past
// `count` (< 16 only at a row's end) are 0. BF16 is the high half of an f32; F16 converts
// exactly (vcvtph2ps).
template <DType D>
__m512 load16(const void* row, int64_t p, int64_t count) {
  if constexpr (D == DType::kF32) {
    return _mm512_maskz_loadu_ps(first_lanes(count), static_cast<const float*>(row) + p);
  } else {
    const auto* src = static_cast<const uint16_t*>(row) + p;
    __m256i h;
    if (count >= 16) {
      h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
    } else {
      alignas(32) uint16_t tail[16] = {};
      for (int64_t i = 0; i < count; ++i) tail[i] = src[i];
      h = _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));
    }
    if constexpr (D == DType::kBF16) {
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    } else {
      return _mm512_cvtph_ps(h);
    }
  }
}

// dst[0, count) = src[0, count) converted to f32.
template <DType D>
void convert_row(const void* src, int64_t count, float* dst) {
  for (int64_t p = 0; p < count; p += 16) {
    _mm512_mask_storeu_ps(dst + p, first_lanes(count - p), load16<D>(src, p, count - p));
  }
}

// Reads a block of up to 16 x 16 floats — `rows` rows from src (row stride ld), `cols` floats
// each; missing rows and columns are 0 — and writes its transpose: column c of the block goes to
// dst + c · dst_stride as 16 floats, of which store_mask chooses the ones written, for c < cols.
// Four shuffle stages: pairs of rows interleaved, then 4 x 4 blocks inside each 128-bit lane,
// then the lanes themselves.
void transpose_block(const float* src, int64_t ld, int64_t rows, int64_t cols, float* dst,
                     int64_t dst_stride, __mmask16 store_mask) {
  const __mmask16 load_mask = first_lanes(cols);
  __m512 r[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) {
    r[i] = i < rows ? _mm512_maskz_loadu_ps(load_mask, src + i * ld) : _mm512_setzero_ps();
  }
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {  // lane l: r_i[4l], r_i+1[4l], r_i[4l+1], r_i+1[4l+1] / +2, +3
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  __m512 u[16];  // u[4g + e], lane l: rows 4g..4g+3 of column 4l + e
#pragma GCC unroll 4
  for (int g = 0; g < 16; g += 4) {
    u[g + 0] = _mm512_shuffle_ps(t[g + 0], t[g + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[g + 1] = _mm512_shuffle_ps(t[g + 0], t[g + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
#pragma GCC unroll 4
  for (int e = 0; e < 4; ++e) {
    const __m512 even01 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88);  // lanes 0, 2 of each
    const __m512 odd01 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xDD);   // lanes 1, 3
    const __m512 even23 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88);
    const __m512 odd23 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xDD);
    const __m512 column[4] = {_mm512_shuffle_f32x4(even01, even23, 0x88),  // column e
                              _mm512_shuffle_f32x4(odd01, odd23, 0x88),    // 4 + e
                              _mm512_shuffle_f32x4(even01, even23, 0xDD),  // 8 + e
                              _mm512_shuffle_f32x4(odd01, odd23, 0xDD)};   // 12 + e
#pragma GCC unroll 4
    for (int l = 0; l < 4; ++l) {
      if (4 * l + e < cols)
        _mm512_mask_storeu_ps(dst + (4 * l + e) * dst_stride, store_mask, column[l]);
    }
  }
}

// Asks for rows [n0, n0 + rows), inputs [k0, k0 + kc) of a weight to be brought into the
// cache, so the next panel's weights stream in from memory while this panel is computed.
void prefetch_rows(const float* b, int64_t ldb, int64_t n0, int64_t rows, int64_t k0, int64_t kc) {
  for (int64_t j = 0; j < rows; ++j) {
    const char* row = reinterpret_cast<const char*>(b + (n0 + j) * ldb + k0);
    for (int64_t offset = 0; offset < kc * 4; offset += 64) _mm_prefetch(row + offset, _MM_HINT_T0);
  }
}

// Packs rows [m0, m0 + rows) of A, inner block [k0, k0 + kc), as one micro-panel: element
// (i, p) at out[p * kMr + i]; rows past `rows` are zero.
void pack_a_tile(const float* a, int64_t lda, int64_t m0, int64_t rows, int64_t k0, int64_t kc,
                 float* out) {
  for (int64_t p = 0; p < kc; p += 16) {
    transpose_block(a + m0 * lda + k0 + p, lda, rows, std::min<int64_t>(16, kc - p), out + p * kMr,
                    kMr, first_lanes(kMr));
  }
}

// Packs columns [n0, n0 + cols) of op(B), inner block [k0, k0 + kc): element (p, j) at
// out[p * kNr + j]; columns past `cols` are zero. op(B)[p][j] is b[j * ldb + p] when transposed
// (a weight [n, k], row j = output column j), else b[p * ldb + j].
void pack_b_panel(bool transposed, const float* b, int64_t ldb, int64_t n0, int64_t cols,
                  int64_t k0, int64_t kc, float* out) {
  if (transposed) {
    for (int64_t half = 0; half < kNr; half += 16) {
      for (int64_t p = 0; p < kc; p += 16) {
        transpose_block(b + (n0 + half) * ldb + k0 + p, ldb, std::min<int64_t>(16, cols - half),
                        std::min<int64_t>(16, kc - p), out + p * kNr + half, kNr, first_lanes(16));
      }
    }
    return;
  }
  const __mmask16 mask0 = first_lanes(cols);
  const __mmask16 mask1 = first_lanes(cols - 16);
  for (int64_t p = 0; p < kc; ++p) {
    const float* src = b + (k0 + p) * ldb + n0;
    float* dst = out + p * kNr;
    _mm512_store_ps(dst, _mm512_maskz_loadu_ps(mask0, src));
    _mm512_store_ps(dst + 16, _mm512_maskz_loadu_ps(mask1, src + 16));
  }
}

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

// Small row counts: C[i][j] = bias[j] + dot(A row i, W row j), four rows of A against four
// rows of W at a time, 16 inputs per step, with no packing: every weight row streams once from
// memory, front to back, which the hardware prefetcher follows, converted from its stored dtype
// 16 values at a time. Rows past the end of A or W are read from the tile's first row and not
// stored.
template <DType D>
void small_rows_tile(int64_t k, const float* const* a_rows, int64_t a_count,
                     const void* const* w_rows, int64_t w_count, const float* bias, float* c,
                     int64_t ldc, int64_t j0) {
  constexpr int64_t kElementBytes = D == DType::kF32 ? 4 : 2;
  __m512 acc[4][4];
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) acc[r][q] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < k; p += 16) {
    const __mmask16 mask = first_lanes(k - p);
    __m512 a[4];
    __m512 w[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) a[r] = _mm512_maskz_loadu_ps(mask, a_rows[r] + p);
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      _mm_prefetch(static_cast<const char*>(w_rows[q]) + p * kElementBytes + 1024, _MM_HINT_T0);
      w[q] = load16<D>(w_rows[q], p, k - p);
    }
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 4
      for (int q = 0; q < 4; ++q) acc[r][q] = _mm512_fmadd_ps(a[r], w[q], acc[r][q]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      if (r < a_count && q < w_count) {
        const float sum = _mm512_reduce_add_ps(acc[r][q]);
        c[r * ldc + j0 + q] = bias != nullptr ? bias[j0 + q] + sum : sum;
      }
    }
  }
}

// Packs columns [n0, n0 + cols) of W^T for a weight view, inner block [k0, k0 + kc), as
// pack_b_panel does, converting to f32: [out, in] rows go through a staging block (16 rows of kc
// f32, row pointers from the view's parts) and the transpose; [in, out] rows convert straight
// into the panel.
template <DType D>
void pack_weight_panel(const WeightView& w, int64_t n0, int64_t cols, int64_t k0, int64_t kc,
                       float* out, float* staging) {
  constexpr int64_t kElementBytes = D == DType::kF32 ? 4 : 2;
  if (!w.in_out) {
    for (int64_t half = 0; half < kNr; half += 16) {
      const int64_t rows = std::min<int64_t>(16, cols - half);
      for (int64_t j = 0; j < rows; ++j) {
        const auto* row = static_cast<const std::byte*>(w.row(n0 + half + j));
        convert_row<D>(row + k0 * kElementBytes, kc, staging + j * kKc);
      }
      for (int64_t p = 0; p < kc; p += 16) {
        transpose_block(staging + p, kKc, rows, std::min<int64_t>(16, kc - p), out + p * kNr + half,
                        kNr, first_lanes(16));
      }
    }
    return;
  }
  const auto* base = static_cast<const std::byte*>(w.parts[0].data);
  for (int64_t p = 0; p < kc; ++p) {
    float* dst = out + p * kNr;
    const std::byte* src = base + ((k0 + p) * w.out + n0) * kElementBytes;
    _mm512_store_ps(dst, load16<D>(src, 0, cols));
    _mm512_store_ps(dst + 16, cols > 16 ? load16<D>(src, 16, cols - 16) : _mm512_setzero_ps());
  }
}

// pack_weight_panel for a view of ggml rows (WeightView::blocks): each row's K-slice is
// dequantized into the staging block (k0 and kc are multiples of 256, so whole blocks of every
// type), then transposed into the panel.
void pack_blocks_panel(const WeightView& w, int64_t n0, int64_t cols, int64_t k0, int64_t kc,
                       float* out, float* staging) {
  for (int64_t half = 0; half < kNr; half += 16) {
    const int64_t rows = std::min<int64_t>(16, cols - half);
    for (int64_t j = 0; j < rows; ++j) w.row_to_f32(n0 + half + j, k0, kc, staging + j * kKc);
    for (int64_t p = 0; p < kc; p += 16) {
      transpose_block(staging + p, kKc, rows, std::min<int64_t>(16, kc - p), out + p * kNr + half,
                      kNr, first_lanes(16));
    }
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

// small_rows for a view of ggml rows: each quad of weight rows is dequantized whole into a
// per-thread buffer (4 x k floats) and multiplied as f32 rows.
void small_rows_blocks(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                       const WeightView& w, const float* bias, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  const int64_t quads = ceil_div(n, 4);
  parallel_for(quads, 4, [&](int64_t first, int64_t last) {
    thread_local AlignedBuffer rows_buffer;
    float* rows = rows_buffer.get(4 * k);
    for (int64_t quad = first; quad < last; ++quad) {
      const int64_t j0 = quad * 4;
      const int64_t w_count = std::min<int64_t>(4, n - j0);
      const void* w_rows[4];
      for (int64_t q = 0; q < 4; ++q) {
        if (q < w_count) w.row_to_f32(j0 + q, 0, k, rows + q * k);
        w_rows[q] = rows + (q < w_count ? q : 0) * k;
      }
      for (int64_t i0 = 0; i0 < m; i0 += 4) {
        const int64_t a_count = std::min<int64_t>(4, m - i0);
        const float* a_rows[4];
        for (int64_t r = 0; r < 4; ++r) a_rows[r] = a + (i0 + (r < a_count ? r : 0)) * lda;
        small_rows_tile<DType::kF32>(k, a_rows, a_count, w_rows, w_count, bias, c + i0 * ldc, ldc,
                                     j0);
      }
    }
  });
}

template <DType D>
void small_rows(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const WeightView& w,
                const float* bias, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  const int64_t quads = ceil_div(n, 4);
  parallel_for(quads, 4, [&](int64_t first, int64_t last) {
    for (int64_t quad = first; quad < last; ++quad) {
      const int64_t j0 = quad * 4;
      const int64_t w_count = std::min<int64_t>(4, n - j0);
      const void* w_rows[4];
      for (int64_t q = 0; q < 4; ++q) w_rows[q] = w.row(j0 + (q < w_count ? q : 0));
      for (int64_t i0 = 0; i0 < m; i0 += 4) {
        const int64_t a_count = std::min<int64_t>(4, m - i0);
        const float* a_rows[4];
        for (int64_t r = 0; r < 4; ++r) a_rows[r] = a + (i0 + (r < a_count ? r : 0)) * lda;
        small_rows_tile<D>(k, a_rows, a_count, w_rows, w_count, bias, c + i0 * ldc, ldc, j0);
      }
    }
  });
}

// The packed, blocked product behind gemm_avx512 and linear_weight_avx512: `pack_b(n0, cols, k0,
// kc, out)` packs one B panel (see pack_b_panel), `prefetch(n0, cols, k0, kc)` may ask for the
// next one.
template <typename PackB, typename Prefetch>
void packed_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const PackB& pack_b, const Prefetch& prefetch, const float* bias, float* c,
                 int64_t ldc, Triangle triangle) {
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
          pack_b(n0, cols, k0, kc, b_packed);
          if (panel + 1 < last_panel) prefetch(n0 + kNr, std::min(kNr, n - n0 - kNr), k0, kc);
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
                         c + t * kMr * ldc + n0, ldc, rows, first_lanes(cols),
                         first_lanes(cols - 16), bias != nullptr ? bias + n0 : nullptr, k0 == 0);
          }
        }
      });
    }
  }
}

template <DType D>
void packed_weight_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                        const WeightView& w, const float* bias, float* c, int64_t ldc) {
  const auto pack = [&](int64_t n0, int64_t cols, int64_t k0, int64_t kc, float* out) {
    thread_local AlignedBuffer staging_buffer;
    float* staging = w.in_out ? nullptr : staging_buffer.get(16 * kKc);
    pack_weight_panel<D>(w, n0, cols, k0, kc, out, staging);
  };
  packed_gemm(
      m, n, k, 1.0f, a, lda, pack, [](int64_t, int64_t, int64_t, int64_t) {}, bias, c, ldc,
      Triangle::kNone);
}

void packed_blocks_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                        const WeightView& w, const float* bias, float* c, int64_t ldc) {
  const auto pack = [&](int64_t n0, int64_t cols, int64_t k0, int64_t kc, float* out) {
    thread_local AlignedBuffer staging_buffer;
    pack_blocks_panel(w, n0, cols, k0, kc, out, staging_buffer.get(16 * kKc));
  };
  packed_gemm(
      m, n, k, 1.0f, a, lda, pack, [](int64_t, int64_t, int64_t, int64_t) {}, bias, c, ldc,
      Triangle::kNone);
}

}  // namespace

void gemm_nt_small_rows_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                               const float* w, int64_t ldw, const float* bias, float* c,
                               int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  // One part per row when the row stride is not k; else one part of n rows.
  std::vector<WeightPart> parts;
  if (ldw == k) {
    parts.push_back({n, w});
  } else {
    for (int64_t j = 0; j < n; ++j) parts.push_back({1, w + j * ldw});
  }
  const WeightView view{.dtype = DType::kF32, .in_out = false, .out = n, .in = k, .parts = parts};
  small_rows<DType::kF32>(m, n, k, a, lda, view, bias, c, ldc);
}

void linear_weight_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                          const WeightView& w, const float* bias, float* c, int64_t ldc,
                          bool use_small_rows) {
  if (w.blocks) {
    if (use_small_rows) return small_rows_blocks(m, n, k, a, lda, w, bias, c, ldc);
    return packed_blocks_gemm(m, n, k, a, lda, w, bias, c, ldc);
  }
  if (w.plain_f32() && !(use_small_rows && !w.in_out)) {
    gemm_avx512(!w.in_out, m, n, k, 1.0f, a, lda, static_cast<const float*>(w.parts[0].data),
                w.in_out ? n : k, bias, c, ldc, Triangle::kNone);
    return;
  }
  switch (w.dtype) {
    case DType::kF32:
      if (use_small_rows && !w.in_out)
        return small_rows<DType::kF32>(m, n, k, a, lda, w, bias, c, ldc);
      return packed_weight_gemm<DType::kF32>(m, n, k, a, lda, w, bias, c, ldc);
    case DType::kF16:
      if (use_small_rows && !w.in_out)
        return small_rows<DType::kF16>(m, n, k, a, lda, w, bias, c, ldc);
      return packed_weight_gemm<DType::kF16>(m, n, k, a, lda, w, bias, c, ldc);
    case DType::kBF16:
      if (use_small_rows && !w.in_out)
        return small_rows<DType::kBF16>(m, n, k, a, lda, w, bias, c, ldc);
      return packed_weight_gemm<DType::kBF16>(m, n, k, a, lda, w, bias, c, ldc);
    default:
      throw UnsupportedError("the GEMM reads F32, F16 and BF16 weights, not " +
                             std::string(dtype_name(w.dtype)));
  }
}

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
  const auto pack = [&](int64_t n0, int64_t cols, int64_t k0, int64_t kc, float* out) {
    pack_b_panel(transpose_b, b, ldb, n0, cols, k0, kc, out);
  };
  const auto prefetch = [&](int64_t n0, int64_t cols, int64_t k0, int64_t kc) {
    if (transpose_b) prefetch_rows(b, ldb, n0, cols, k0, kc);
  };
  packed_gemm(m, n, k, alpha, a, lda, pack, prefetch, bias, c, ldc, triangle);
}

}  // namespace attnscope::ops::detail
