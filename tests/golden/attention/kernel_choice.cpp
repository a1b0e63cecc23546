// ctest runs the golden cases once per GEMM kernel through ATTNSCOPE_GEMM (CMakeLists.txt). A
// kernel this CPU lacks skips every case with the reason instead of failing them. GoogleTest
// 1.12 reports tests skipped from an Environment as passed, so the line ctest's
// SKIP_REGULAR_EXPRESSION looks for is printed here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "ops/gemm.h"

namespace attnscope {
namespace {

class KernelChoice : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* requested = std::getenv("ATTNSCOPE_GEMM");
    if (requested != nullptr && std::string(requested) == "avx512" && !ops::avx512_available()) {
      std::cout << "[  SKIPPED ] ATTNSCOPE_GEMM=avx512, but this CPU has no AVX-512\n";
      GTEST_SKIP() << "ATTNSCOPE_GEMM=avx512, but this CPU has no AVX-512";
    }
  }
};

::testing::Environment* const kKernelChoice = ::testing::AddGlobalTestEnvironment(new KernelChoice);

}  // namespace
}  // namespace attnscope
