// ops::linear over WeightViews (weights read where they lie): F32, F16 and BF16 storage, [out, in]
// rows in several parts and GPT-2's [in, out] layout, on both GEMM kernels, few rows (the AVX-512
// dot-product path) and many (the packed path), against a double-precision product of the same
// values converted to f32. The conversion is exact, so only the summation order differs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "kernel_test_support.h"
#include "ops/gemm.h"
#include "ops/ggml_quant.h"

namespace attnscope::ops {
namespace {

using testing::available_kernels;
using testing::KernelScope;
using testing::random_values;

// W [out, in] as f32 values that the dtype represents exactly, and its bytes in `dtype`, stored
// [out, in] or [in, out].
struct StoredWeight {
  std::vector<float> logical;  // [out, in]
  std::vector<std::byte> bytes;
};

StoredWeight make_weight(DType dtype, bool in_out, int64_t out, int64_t in, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  StoredWeight w;
  w.logical.resize(static_cast<size_t>(out * in));
  const size_t element = dtype_size(dtype);
  w.bytes.resize(w.logical.size() * element);
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      float v = dist(rng);
      const int64_t at = in_out ? i * out + o : o * in + i;
      if (dtype == DType::kF32) {
        std::memcpy(w.bytes.data() + at * 4, &v, 4);
      } else {
        const uint16_t h = dtype == DType::kF16 ? f32_to_f16(v) : f32_to_bf16(v);
        v = dtype == DType::kF16 ? f16_to_f32(h) : bf16_to_f32(h);
        std::memcpy(w.bytes.data() + at * 2, &h, 2);
      }
      w.logical[o * in + i] = v;
    }
  }
  return w;
}

struct Case {
  DType dtype;
  bool in_out;
  int64_t rows, out, in;
};

void check(const Case& cs, LinearKernel kernel) {
  SCOPED_TRACE(std::string(dtype_name(cs.dtype)) + (cs.in_out ? " [in,out]" : " [out,in]") +
               " rows " + std::to_string(cs.rows) + " out " + std::to_string(cs.out) + " in " +
               std::to_string(cs.in) + " kernel " + linear_kernel_name(kernel));
  KernelScope scope(kernel);
  const StoredWeight w = make_weight(cs.dtype, cs.in_out, cs.out, cs.in, 3);
  const std::vector<float> x = random_values(cs.rows * cs.in, 5);
  const std::vector<float> bias = random_values(cs.out, 6);
  // [out, in] in three uneven parts (q, k, v of separate projections), or one part.
  std::vector<WeightPart> parts;
  const size_t element = dtype_size(cs.dtype);
  if (cs.in_out) {
    parts.push_back({cs.out, w.bytes.data()});
  } else {
    const int64_t first = cs.out / 2, second = cs.out / 3;
    int64_t row = 0;
    for (int64_t count : {first, second, cs.out - first - second}) {
      parts.push_back({count, w.bytes.data() + row * cs.in * element});
      row += count;
    }
  }
  const WeightView view{
      .dtype = cs.dtype, .in_out = cs.in_out, .out = cs.out, .in = cs.in, .parts = parts};
  std::vector<float> y(static_cast<size_t>(cs.rows * cs.out), -7.0f);
  linear(x.data(), cs.rows, cs.in, view, bias.data(), cs.out, y.data());
  for (int64_t r = 0; r < cs.rows; ++r) {
    for (int64_t o = 0; o < cs.out; ++o) {
      double sum = bias[o];
      for (int64_t i = 0; i < cs.in; ++i) {
        sum += static_cast<double>(x[r * cs.in + i]) * w.logical[o * cs.in + i];
      }
      ASSERT_NEAR(y[r * cs.out + o], sum, 1e-4 * std::sqrt(static_cast<double>(cs.in)))
          << "row " << r << " column " << o;
    }
  }
}

TEST(WeightView, EveryDtypeLayoutAndKernel) {
  for (LinearKernel kernel : available_kernels()) {
    for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
      for (bool in_out : {false, true}) {
        // Few rows (dot-product path), many rows (packed path, a partial 12-row tile), inner
        // sizes that are not a multiple of 16 or cross the 256 block, columns not a multiple of
        // the 32-column panel.
        for (const auto& [rows, out, in] : {std::tuple<int64_t, int64_t, int64_t>{3, 45, 37},
                                            {1, 64, 300},
                                            {130, 70, 270},
                                            {200, 33, 16}}) {
          check({dtype, in_out, rows, out, in}, kernel);
        }
      }
    }
  }
}

TEST(WeightView, RowWalksTheParts) {
  const std::vector<float> a(6), b(4);
  const WeightPart parts[] = {{3, a.data()}, {2, b.data()}};
  const WeightView view{.dtype = DType::kF32, .in_out = false, .out = 5, .in = 2, .parts = parts};
  EXPECT_EQ(view.row(0), a.data());
  EXPECT_EQ(view.row(2), a.data() + 4);
  EXPECT_EQ(view.row(3), b.data());
  EXPECT_EQ(view.row(4), b.data() + 2);
  EXPECT_FALSE(view.plain_f32());
}

TEST(WeightView, RefusesMismatchedShapeAndDtype) {
  const std::vector<float> a(6);
  const WeightPart parts[] = {{3, a.data()}};
  const std::vector<float> x(2);
  std::vector<float> y(3);
  const WeightView view{.dtype = DType::kF32, .in_out = false, .out = 3, .in = 2, .parts = parts};
  EXPECT_THROW(linear(x.data(), 1, 2, view, nullptr, 4, y.data()), ShapeError);
  const WeightView f64{.dtype = DType::kF64, .in_out = false, .out = 3, .in = 2, .parts = parts};
  EXPECT_THROW(linear(x.data(), 1, 2, f64, nullptr, 3, y.data()), UnsupportedError);
}

// Rows of ggml blocks with random quants and small finite scales (f16 0.01 .. 0.02): Q8_0 (scale
// at bytes 0-1 of each 34-byte block), Q4_K (d and dmin at bytes 0-3 of each 144-byte block),
// F16 values.
std::vector<std::byte> ggml_rows(GgmlType type, int64_t rows, int64_t in, uint32_t seed) {
  std::mt19937 rng(seed);
  const GgmlTypeTraits& t = ggml_type_traits(type);
  std::vector<std::byte> bytes(static_cast<size_t>(rows * (in / t.block_size) * t.type_size));
  for (std::byte& b : bytes) b = static_cast<std::byte>(rng() & 0xff);
  std::uniform_real_distribution<float> scale(0.01f, 0.02f);
  const auto put_f16 = [&](size_t at, float v) {
    const uint16_t h = f32_to_f16(v);
    std::memcpy(bytes.data() + at, &h, 2);
  };
  for (size_t block = 0; block * t.type_size < bytes.size(); ++block) {
    const size_t at = block * static_cast<size_t>(t.type_size);
    if (type == GgmlType::kQ8_0) put_f16(at, scale(rng));
    if (type == GgmlType::kQ4_K) {
      put_f16(at, scale(rng));
      put_f16(at + 2, scale(rng));
    }
    if (type == GgmlType::kF16) {
      put_f16(at, scale(rng) * 50.0f - 0.75f);
    }
  }
  return bytes;
}

// Quantized GGUF rows (WeightView::blocks): parts of different ggml types and a part read with a
// row stride of 2 (llama's q/k halves), against the rows dequantized by dequantize_row and a
// double-precision product, on both kernels, few rows and many.
TEST(WeightView, BlockQuantizedPartsOfMixedTypes) {
  const int64_t in = 512;  // two 256-value K-blocks
  const std::vector<std::byte> q4k = ggml_rows(GgmlType::kQ4_K, 40, in, 1);
  const std::vector<std::byte> q80 = ggml_rows(GgmlType::kQ8_0, 20, in, 2);
  const std::vector<std::byte> f16 = ggml_rows(GgmlType::kF16, 10, in, 3);
  // Part 0: Q4_K rows 0, 2, 4, .. 38 (stride 2); part 1: all 20 Q8_0 rows; part 2: 10 F16 rows;
  // part 3: Q4_K rows 1, 3, .. 39.
  const auto row_bytes = [&](GgmlType type) {
    const GgmlTypeTraits& t = ggml_type_traits(type);
    return static_cast<size_t>(in / t.block_size * t.type_size);
  };
  const WeightPart parts[] = {{20, q4k.data(), GgmlType::kQ4_K, 2},
                              {20, q80.data(), GgmlType::kQ8_0, 1},
                              {10, f16.data(), GgmlType::kF16, 1},
                              {20, q4k.data() + row_bytes(GgmlType::kQ4_K), GgmlType::kQ4_K, 2}};
  const int64_t out = 70;
  const WeightView view{.out = out, .in = in, .parts = parts, .blocks = true};
  std::vector<float> logical(static_cast<size_t>(out * in));
  for (int64_t o = 0; o < out; ++o) {
    const std::byte* row = nullptr;
    GgmlType type = GgmlType::kQ4_K;
    if (o < 20) {
      row = q4k.data() + 2 * o * row_bytes(type);
    } else if (o < 40) {
      type = GgmlType::kQ8_0;
      row = q80.data() + (o - 20) * row_bytes(type);
    } else if (o < 50) {
      type = GgmlType::kF16;
      row = f16.data() + (o - 40) * row_bytes(type);
    } else {
      row = q4k.data() + (2 * (o - 50) + 1) * row_bytes(type);
    }
    dequantize_row(type, row, logical.data() + o * in, in);
    std::vector<float> via_view(static_cast<size_t>(in));
    view.row_to_f32(o, 256, 256, via_view.data());
    ASSERT_EQ(std::memcmp(via_view.data(), logical.data() + o * in + 256, 256 * 4), 0) << o;
  }
  for (LinearKernel kernel : available_kernels()) {
    KernelScope scope(kernel);
    for (int64_t rows : {3, 130}) {
      SCOPED_TRACE(std::string(linear_kernel_name(kernel)) + " rows " + std::to_string(rows));
      const std::vector<float> x = random_values(rows * in, 9);
      const std::vector<float> bias = random_values(out, 10);
      std::vector<float> y(static_cast<size_t>(rows * out), -7.0f);
      linear(x.data(), rows, in, view, bias.data(), out, y.data());
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t o = 0; o < out; ++o) {
          double sum = bias[o];
          for (int64_t i = 0; i < in; ++i) {
            sum += static_cast<double>(x[r * in + i]) * logical[o * in + i];
          }
          ASSERT_NEAR(y[r * out + o], sum, 1e-4 * std::sqrt(static_cast<double>(in)))
              << "row " << r << " column " << o;
        }
      }
    }
  }
  // A type the GEMM cannot dequantize is refused by name.
  const WeightPart q2k[] = {{1, q4k.data(), GgmlType::kQ2_K, 1}};
  const WeightView bad{.out = 1, .in = in, .parts = q2k, .blocks = true};
  std::vector<float> x(static_cast<size_t>(in)), y(1);
  try {
    linear(x.data(), 1, in, bad, nullptr, 1, y.data());
    FAIL() << "Q2_K accepted";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("Q2_K"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace attnscope::ops
