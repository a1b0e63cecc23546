// exp and erf in f32, written branch-free so that loops calling them vectorise (libm's expf and
// erff are opaque scalar calls that keep the softmax and GELU loops scalar; together they were
// the largest cost of the forward pass after the GEMMs). The selects in them become blends only
// when the caller is compiled with -fno-math-errno -fno-trapping-math (src/ops does): otherwise
// GCC may not evaluate both arms and the loop stays scalar. Accuracy, checked over the whole f32
// range by tests/unit/ops/fast_math_test.cpp:
//   exp_f32: within 2 ulp of exp for x in [-87, 88]; exactly 0 below -87.3 (so -inf -> 0, which
//            softmax needs for masked keys); x above 88 gives exp(88) (never inf).
//   erf_f32: absolute error below 2e-7; odd. one_plus_erf_f32(z) = 1 + erf(z) keeps 1e-6 + 2e-7 z²
//            relative accuracy for negative z too (GELU's negative tail).
//
//   #pragma omp simd
//   for (int64_t i = 0; i < n; ++i) y[i] = exp_f32(x[i] - max_value);
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace attnscope::ops {

inline float exp_f32(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  // ln 2 split so that n · kLn2High is exact for |n| <= 128 (Cody-Waite reduction).
  constexpr float kLn2High = 0.693359375f;
  constexpr float kLn2Low = -2.12194440e-4f;
  constexpr float kRoundMagic = 12582912.0f;  // 1.5 · 2^23: adding it rounds to an integer
  constexpr float kLowest = -87.33654f;       // e^x below 2^-126: return 0
  constexpr float kHighest = 88.0f;           // keeps 2^n a normal float (n <= 127)
  const float low_clamped = x < kLowest ? kLowest : x;
  const float clamped = low_clamped > kHighest ? kHighest : low_clamped;
  const float n = (clamped * kLog2e + kRoundMagic) - kRoundMagic;  // round(x / ln 2)
  float r = std::fma(n, -kLn2High, clamped);
  r = std::fma(n, -kLn2Low, r);  // r in [-ln2/2, ln2/2]
  // e^r by its Taylor series to r^7 (truncation error < 1e-8 relative on this interval).
  float p = 1.0f / 5040.0f;
  p = std::fma(p, r, 1.0f / 720.0f);
  p = std::fma(p, r, 1.0f / 120.0f);
  p = std::fma(p, r, 1.0f / 24.0f);
  p = std::fma(p, r, 1.0f / 6.0f);
  p = std::fma(p, r, 0.5f);
  p = std::fma(p, r, 1.0f);
  p = std::fma(p, r, 1.0f);
  // 2^n from its exponent bits; n is in [-126, 127]. A NaN x makes n NaN, whose conversion to
  // int is undefined: convert 0 instead (p is NaN already, so the result stays NaN).
  const float n_finite = n == n ? n : 0.0f;
  const float two_n = std::bit_cast<float>((static_cast<int32_t>(n_finite) + 127) << 23);
  const float keep = x < kLowest ? 0.0f : 1.0f;
  return p * two_n * keep;
}

// erfc(a) for a >= 0 with relative error ~1e-7 plus the f32 rounding of -a² (~1e-6 at a = 4):
// the Chebyshev-fitted form of Numerical Recipes (erfcc), t = 1 / (1 + a/2),
// erfc(a) = t · exp(-a² + P(t)). No cancellation in the tail, unlike 1 - erf.
inline float erfc_nonnegative_f32(float a) {
  const float t = 1.0f / std::fma(0.5f, a, 1.0f);
  float p = 0.17087277f;
  p = std::fma(p, t, -0.82215223f);
  p = std::fma(p, t, 1.48851587f);
  p = std::fma(p, t, -1.13520398f);
  p = std::fma(p, t, 0.27886807f);
  p = std::fma(p, t, -0.18628806f);
  p = std::fma(p, t, 0.09678418f);
  p = std::fma(p, t, 0.37409196f);
  p = std::fma(p, t, 1.00002368f);
  p = std::fma(p, t, -1.26551223f);
  return t * exp_f32(std::fma(-a, a, p));
}

inline float erf_f32(float x) {
  return std::copysign(1.0f - erfc_nonnegative_f32(std::fabs(x)), x);
}

// Φ-scaled GELU factor: 1 + erf(z) = erfc(-z), computed without cancellation for z < 0.
inline float one_plus_erf_f32(float z) {
  const float tail = erfc_nonnegative_f32(std::fabs(z));
  return z < 0.0f ? tail : 2.0f - tail;
}

}  // namespace attnscope::ops
