// ops::linear through each GEMM kernel (BLAS and attnscope's AVX-512 one) against a
// double-precision product, over shapes that hit every edge of the AVX-512 blocking: rows that
// are not a multiple of the 12-row micro-tile, columns not a multiple of the 32-column panel
// (masked stores), inner sizes around the 256 block, strided operands.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernel_test_support.h"
#include "ops/gemm.h"
#include "ops/gemm_avx512.h"

namespace attnscope::ops {
namespace {

using testing::available_kernels;
using testing::KernelScope;
using testing::random_values;

struct Shape {
  int64_t m, n, k;
};

// Checks y = x · w^T (+ bias) entry by entry within f32 rounding of a k-term sum: through
// linear() with the BLAS kernel, through each AVX-512 variant itself otherwise (linear() picks
// the variant by row count).
enum class Variant { kLinear, kPacked, kSmallRows };

void expect_linear_matches(Variant variant, const Shape& s, bool with_bias, uint32_t seed) {
  const std::vector<float> x = random_values(s.m * s.k, seed);
  const std::vector<float> w = random_values(s.n * s.k, seed + 1);
  const std::vector<float> bias = random_values(s.n, seed + 2);
  std::vector<float> y(static_cast<size_t>(s.m * s.n), std::nanf(""));
  if (variant == Variant::kPacked) {
    detail::gemm_avx512(true, s.m, s.n, s.k, 1.0f, x.data(), s.k, w.data(), s.k,
                        with_bias ? bias.data() : nullptr, y.data(), s.n, Triangle::kNone);
  } else if (variant == Variant::kSmallRows) {
    detail::gemm_nt_small_rows_avx512(s.m, s.n, s.k, x.data(), s.k, w.data(), s.k,
                                      with_bias ? bias.data() : nullptr, y.data(), s.n);
  } else {
    linear(x.data(), s.m, s.k, w.data(), with_bias ? bias.data() : nullptr, s.n, y.data());
  }
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double sum = with_bias ? bias[j] : 0.0;
      double magnitude = std::fabs(sum);
      for (int64_t p = 0; p < s.k; ++p) {
        const double term = static_cast<double>(x[i * s.k + p]) * w[j * s.k + p];
        sum += term;
        magnitude += std::fabs(term);
      }
      const double tolerance = 1.2e-7 * static_cast<double>(s.k + 2) * magnitude + 1e-30;
      ASSERT_NEAR(y[i * s.n + j], sum, tolerance)
          << "entry (" << i << ", " << j << ") of " << s.m << "x" << s.n << "x" << s.k
          << (with_bias ? " with bias" : " without bias");
    }
  }
}

const std::vector<Shape>& edge_shapes() {
  static const std::vector<Shape> shapes = {
      {1, 1, 1},     {1, 32, 256},  {12, 32, 256}, {13, 33, 257}, {11, 31, 255},  {5, 17, 7},
      {25, 100, 64}, {24, 64, 512}, {37, 16, 600}, {3, 777, 33},  {130, 95, 300}, {250, 48, 768}};
  return shapes;
}

void check_variant(LinearKernel kernel, Variant variant) {
  const KernelScope scope(kernel);
  uint32_t seed = 7;
  for (const Shape& shape : edge_shapes()) {
    expect_linear_matches(variant, shape, true, seed++);
    expect_linear_matches(variant, shape, false, seed++);
  }
}

TEST(GemmKernel, BlasMatchesDoublePrecision) {
  check_variant(LinearKernel::kBlas, Variant::kLinear);
}

TEST(GemmKernel, Avx512MatchesDoublePrecision) {
  if (!avx512_available()) GTEST_SKIP() << "this CPU has no AVX-512: only the BLAS kernel runs";
  check_variant(LinearKernel::kAvx512, Variant::kPacked);
  check_variant(LinearKernel::kAvx512, Variant::kSmallRows);
  check_variant(LinearKernel::kAvx512, Variant::kLinear);  // the variant linear() picks
}

TEST(GemmKernel, Avx512HonoursStridesAndLeavesTheRestOfCUntouched) {
  if (!avx512_available()) GTEST_SKIP() << "this CPU has no AVX-512: only the BLAS kernel runs";
  const int64_t m = 14, n = 35, k = 270, lda = 301, ldw = 280, ldc = 41;
  const std::vector<float> a = random_values(m * lda, 11);
  const std::vector<float> w = random_values(n * ldw, 12);
  const std::vector<float> bias = random_values(n, 13);
  std::vector<float> c(static_cast<size_t>(m * ldc), 42.0f);
  detail::gemm_avx512(true, m, n, k, 1.0f, a.data(), lda, w.data(), ldw, bias.data(), c.data(), ldc,
                      Triangle::kNone);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      if (j >= n) {
        ASSERT_EQ(c[i * ldc + j], 42.0f) << "padding column " << j << " of row " << i;
        continue;
      }
      double sum = bias[j];
      for (int64_t p = 0; p < k; ++p) sum += static_cast<double>(a[i * lda + p]) * w[j * ldw + p];
      ASSERT_NEAR(c[i * ldc + j], sum, 1e-4) << "entry (" << i << ", " << j << ")";
    }
  }
}

TEST(GemmKernel, KernelsAgreeClosely) {
  if (!avx512_available()) GTEST_SKIP() << "this CPU has no AVX-512: only the BLAS kernel runs";
  const Shape s{96, 768, 768};
  const std::vector<float> x = random_values(s.m * s.k, 21);
  const std::vector<float> w = random_values(s.n * s.k, 22);
  std::vector<float> blas(static_cast<size_t>(s.m * s.n));
  std::vector<float> own(blas.size());
  {
    const KernelScope scope(LinearKernel::kBlas);
    linear(x.data(), s.m, s.k, w.data(), nullptr, s.n, blas.data());
  }
  {
    const KernelScope scope(LinearKernel::kAvx512);
    linear(x.data(), s.m, s.k, w.data(), nullptr, s.n, own.data());
  }
  double worst = 0;
  for (size_t i = 0; i < own.size(); ++i)
    worst = std::max(worst, double(std::fabs(own[i] - blas[i])));
  EXPECT_LT(worst, 2e-5);  // sums of 768 products of magnitude <= 1, f32 rounding only
}

// Causal attention: scores need only the lower triangle (kLowerResult); the context product's
// probabilities are 0 above the diagonal (kLowerInput). Sizes cross the 256-term block.
TEST(GemmKernel, TrianglesGiveTheCausalEntries) {
  for (LinearKernel kernel : {LinearKernel::kBlas, LinearKernel::kAvx512}) {
    if (kernel == LinearKernel::kAvx512 && !avx512_available()) continue;
    const KernelScope scope(kernel);
    const int64_t t = 300, d = 40;
    const float scale = 0.125f;
    const std::vector<float> q = random_values(t * d, 31);
    const std::vector<float> keys = random_values(t * d, 32);
    std::vector<float> scores(static_cast<size_t>(t * t), 0.0f);
    gemm(false, true, t, t, d, scale, q.data(), d, keys.data(), d, 0.0f, scores.data(), t,
         Triangle::kLowerResult);
    for (int64_t i = 0; i < t; ++i) {
      for (int64_t j = 0; j <= i; ++j) {
        double sum = 0;
        for (int64_t p = 0; p < d; ++p) sum += static_cast<double>(q[i * d + p]) * keys[j * d + p];
        ASSERT_NEAR(scores[i * t + j], scale * sum, 1e-5)
            << linear_kernel_name(kernel) << " score (" << i << ", " << j << ")";
      }
    }
    std::vector<float> probs = random_values(t * t, 33);
    for (int64_t i = 0; i < t; ++i) {
      for (int64_t j = i + 1; j < t; ++j) probs[i * t + j] = 0.0f;
    }
    const std::vector<float> values = random_values(t * d, 34);
    std::vector<float> context(static_cast<size_t>(t * d), std::nanf(""));
    gemm(false, false, t, d, t, 1.0f, probs.data(), t, values.data(), d, 0.0f, context.data(), d,
         Triangle::kLowerInput);
    for (int64_t i = 0; i < t; ++i) {
      for (int64_t j = 0; j < d; ++j) {
        double sum = 0;
        for (int64_t p = 0; p <= i; ++p) {
          sum += static_cast<double>(probs[i * t + p]) * values[p * d + j];
        }
        ASSERT_NEAR(context[i * d + j], sum, 1e-4)
            << linear_kernel_name(kernel) << " context (" << i << ", " << j << ")";
      }
    }
  }
}

TEST(GemmKernel, ZeroInnerSizeGivesTheBias) {
  for (LinearKernel kernel : {LinearKernel::kBlas, LinearKernel::kAvx512}) {
    if (kernel == LinearKernel::kAvx512 && !avx512_available()) continue;
    const KernelScope scope(kernel);
    const std::vector<float> bias = {1.5f, -2.0f, 3.0f};
    std::vector<float> y(6, 9.0f);
    linear(nullptr, 2, 0, nullptr, bias.data(), 3, y.data());
    EXPECT_EQ(y, (std::vector<float>{1.5f, -2.0f, 3.0f, 1.5f, -2.0f, 3.0f}))
        << linear_kernel_name(kernel);
  }
}

TEST(GemmKernel, NamesRoundTripAndBadNamesAreConfigErrors) {
  for (LinearKernel kernel : {LinearKernel::kAuto, LinearKernel::kBlas, LinearKernel::kAvx512}) {
    EXPECT_EQ(parse_linear_kernel(linear_kernel_name(kernel)), kernel);
  }
  try {
    parse_linear_kernel("mkl");
    FAIL() << "an unknown kernel name was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("ATTNSCOPE_GEMM"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mkl"), std::string::npos) << e.what();
  }
  EXPECT_NE(linear_kernel(), LinearKernel::kAuto);  // always resolved
  if (!avx512_available()) {
    EXPECT_THROW(set_linear_kernel(LinearKernel::kAvx512), UnsupportedError);
  }
}

}  // namespace
}  // namespace attnscope::ops
