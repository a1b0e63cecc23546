// p ln p for attention weights, written so the compiler vectorizes it (libm's log is a scalar
// call and was half the cost of `analyze`). Double precision throughout: the mantissa's log
// comes from the atanh series 2(s + s^3/3 + ... + s^21/21), s = (m-1)/(m+1), m in
// [sqrt(1/2), sqrt(2)), whose truncation error is below 1e-17; results agree with std::log to a
// few ulp. Loops using it carry `#pragma omp simd` (the library builds with -fopenmp-simd).
#pragma once

#include <bit>
#include <cstdint>

namespace attnscope::analysis {

// p ln p for p >= 0 (0 for p = 0); p comes from a float, so it is normal as a double (or 0).
// Only integer selects and straight-line arithmetic, so the loop calling it vectorizes.
inline double p_log_p(double p) {
  constexpr uint64_t kMantissa = 0x000fffffffffffffull;
  constexpr uint64_t kSqrt2Mantissa = 0x6a09e667f3bcdull;  // mantissa bits of sqrt(2)
  const uint64_t bits = std::bit_cast<uint64_t>(p);
  const uint64_t mantissa = bits & kMantissa;
  // m in [sqrt(1/2), sqrt(2)): halve m (and bump the exponent) when the mantissa is past sqrt 2.
  const uint64_t high = mantissa >= kSqrt2Mantissa ? 1 : 0;
  const double m = std::bit_cast<double>((mantissa | 0x3ff0000000000000ull) - (high << 52));
  // Exponent as an exact double without an int64 -> double conversion (AVX2 has none):
  // (2^52 + biased exponent) - 2^52.
  const double biased =
      std::bit_cast<double>(((bits >> 52) + high) | 0x4330000000000000ull) - 4503599627370496.0;
  const double e = biased - 1023.0;
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double series = 1.0 / 21;
  series = series * s2 + 1.0 / 19;
  series = series * s2 + 1.0 / 17;
  series = series * s2 + 1.0 / 15;
  series = series * s2 + 1.0 / 13;
  series = series * s2 + 1.0 / 11;
  series = series * s2 + 1.0 / 9;
  series = series * s2 + 1.0 / 7;
  series = series * s2 + 1.0 / 5;
  series = series * s2 + 1.0 / 3;
  series = series * s2 + 1.0;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 split so e * hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  // For p = 0 the log is a finite -1023 ln 2, so the product is exactly 0: no select needed.
  return p * (e * kLn2Hi + (e * kLn2Lo + 2.0 * s * series));
}

}  // namespace attnscope::analysis
