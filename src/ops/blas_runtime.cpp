#include "ops/blas_runtime.h"

#include <cblas.h>

namespace attnscope::ops {

BlasInfo blas_info() {
  BlasInfo info;
  info.config = openblas_get_config();
  info.core = openblas_get_corename();
  info.threads = openblas_get_num_threads();
  return info;
}

void set_blas_threads(int threads) { openblas_set_num_threads(threads); }

std::string suggested_blas_core() {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vl");
  const std::string core = openblas_get_corename();
  return avx512 && (core == "Haswell" || core == "Zen") ? "SkylakeX" : "";
}

}  // namespace attnscope::ops
