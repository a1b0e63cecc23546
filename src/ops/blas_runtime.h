// The BLAS library, seen at run time: its build, the CPU kernel set it chose, its thread count.
// It runs the forward pass's GEMMs on CPUs without AVX-512 (elsewhere attnscope's own kernel
// does, ops/gemm.h), and then its kernel set decides the speed: Debian 12's
// OpenBLAS 0.3.21 does not know AMD Zen 5 and falls back to its Haswell (AVX2) kernels (some
// environments force them with OPENBLAS_CORETYPE=Haswell because older OpenBLAS builds computed
// wrong results or crashed on such CPUs); on an AVX-512 CPU its SkylakeX kernels run sgemm about
// 1.9x faster (bench/README.md, "Forward pass"). OpenBLAS reads OPENBLAS_CORETYPE once, while it
// loads, so the choice is the user's, and only after the golden tests pass with it: the library
// never changes it, and only the benchmark shows suggested_blas_core() as a hint.
//
//   ops::set_blas_threads(2);
//   std::cout << ops::blas_info().core;                  // "Haswell"
//   if (auto core = ops::suggested_blas_core(); !core.empty())
//     std::cerr << "hint: OPENBLAS_CORETYPE=" << core << " runs the GEMMs faster\n";
#pragma once

#include <string>

namespace attnscope::ops {

struct BlasInfo {
  std::string config;  // openblas_get_config(): version and build options
  std::string core;    // the kernel set in use ("Haswell", "SkylakeX", ...)
  int threads = 0;
};

BlasInfo blas_info();
void set_blas_threads(int threads);

// "SkylakeX" when the CPU and OS support AVX-512 (F, CD, BW, DQ, VL) but OpenBLAS runs an
// AVX2-only kernel set (Haswell or Zen); "" otherwise (also under valgrind, which hides AVX-512).
std::string suggested_blas_core();

}  // namespace attnscope::ops
