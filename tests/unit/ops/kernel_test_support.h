// What the GEMM tests share: uniform random values in [-1, 1) from a seed, the kernels this CPU
// offers, and a scope that forces one kernel and restores the process-wide choice at its end.
//
//   for (LinearKernel kernel : available_kernels()) {
//     KernelScope scope(kernel);
//     const std::vector<float> x = random_values(rows * in, /*seed=*/5);
//     ...
//   }
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "ops/gemm.h"

namespace attnscope::ops::testing {

inline std::vector<float> random_values(int64_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(static_cast<size_t>(count));
  for (float& v : values) v = dist(rng);
  return values;
}

inline std::vector<LinearKernel> available_kernels() {
  std::vector<LinearKernel> out = {LinearKernel::kBlas};
  if (avx512_available()) out.push_back(LinearKernel::kAvx512);
  return out;
}

class KernelScope {
 public:
  explicit KernelScope(LinearKernel kernel) : saved_(linear_kernel()) { set_linear_kernel(kernel); }
  ~KernelScope() { set_linear_kernel(saved_); }
  KernelScope(const KernelScope&) = delete;
  KernelScope& operator=(const KernelScope&) = delete;

 private:
  LinearKernel saved_;
};

}  // namespace attnscope::ops::testing
