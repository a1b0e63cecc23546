#include <iostream>

#include "commands.h"
#include "ops/blas_runtime.h"
#include "ops/gemm.h"

namespace attnscope::cli {
namespace {

// The version, and what runs the arithmetic here: worth pasting into a bug report, since the
// GEMM kernel and the BLAS kernel set change the last bits of every result (within 1e-5).
void print_version() {
  std::cout << "attnscope " << ATTNSCOPE_VERSION << "\n";
  const ops::LinearKernel kernel = ops::linear_kernel();
  const ops::BlasInfo blas = ops::blas_info();
  std::cout << "GEMM kernel: " << ops::linear_kernel_name(kernel)
            << (kernel == ops::LinearKernel::kAvx512 ? " (attnscope's, AVX-512)" : " (BLAS)")
            << "; set ATTNSCOPE_GEMM=auto|blas|avx512 to choose\n";
  std::cout << "BLAS: " << blas.config << "; kernels " << blas.core << "; " << blas.threads
            << " thread" << (blas.threads == 1 ? "" : "s") << "\n";
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "version", "Print the attnscope version and what runs its arithmetic (GEMM kernel, BLAS)");
  cmd->callback(print_version);
}

const Registration kVersion{"version", 1000, setup};

}  // namespace
}  // namespace attnscope::cli
