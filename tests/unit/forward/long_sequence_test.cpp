// The fast forward against the reference forward (plain loops) on sequences long enough to
// reach every blocking edge of the GEMM kernels: several 12-row micro-tiles and 32-column
// panels, more than one 256-term block, and (causal models) the skipped upper triangle. Run
// with each GEMM kernel the CPU offers, for every registered architecture.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "forward_pair.h"
#include "model/arch.h"
#include "model/attention_store.h"
#include "model/forward_memory.h"
#include "model/model.h"
#include "ops/gemm.h"
#include "ops/parallel.h"
#include "random_model.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

using testing::all_close;
using testing::max_abs;

constexpr int64_t kTokens = 300;

// A random model of `arch` whose position table is long enough for kTokens.
Model long_model(const ArchSpec& arch) {
  nlohmann::json config = nlohmann::json::parse(arch.example_config);
  for (const char* key : {"max_position_embeddings", "n_positions", "n_ctx"}) {
    if (config.contains(key)) config[key] = 512;
  }
  return testing::random_model(arch, config, 4321);
}

class LongSequence : public ::testing::TestWithParam<const ArchSpec*> {};

TEST_P(LongSequence, EveryKernelMatchesTheReferenceForward) {
  const Model model = long_model(*GetParam());
  const ModelConfig& c = model.config();
  std::vector<int64_t> ids(kTokens);
  for (int64_t t = 0; t < kTokens; ++t) ids[t] = (7 * t * t + 3 * t + 2) % c.vocab_size;
  // RoBERTa's pad id (1) would be read as padding by position ids: keep it out.
  for (int64_t& id : ids) {
    if (c.pad_token_id && id == *c.pad_token_id) id = (id + 1) % c.vocab_size;
  }
  const ForwardInput input = ForwardInput::single(ids);
  const ops::LinearKernel saved = ops::linear_kernel();
  for (ops::LinearKernel kernel : {ops::LinearKernel::kBlas, ops::LinearKernel::kAvx512}) {
    if (kernel == ops::LinearKernel::kAvx512 && !ops::avx512_available()) continue;
    SCOPED_TRACE(std::string("kernel ") + ops::linear_kernel_name(kernel));
    ops::set_linear_kernel(kernel);
    EXPECT_TRUE(testing::ForwardPair(model, input).agree());
  }
  ops::set_linear_kernel(saved);
}

// The memory estimate counts the AVX-512 kernel's packed blocks, one set per pool thread.
TEST(ForwardMemory, CountsTheGemmKernelsScratch) {
  if (!ops::avx512_available())
    GTEST_SKIP() << "this CPU has no AVX-512: only the BLAS kernel runs";
  const Model model = long_model(arch_by_family("gpt2"));
  const ops::LinearKernel saved = ops::linear_kernel();
  ops::set_linear_kernel(ops::LinearKernel::kBlas);
  const uint64_t blas = forward_activation_bytes(model.config(), 1, kTokens);
  ops::set_linear_kernel(ops::LinearKernel::kAvx512);
  const uint64_t own = forward_activation_bytes(model.config(), 1, kTokens);
  ops::set_linear_kernel(saved);
  EXPECT_EQ(own - blas, ops::gemm_scratch_bytes_per_thread() *
                            static_cast<uint64_t>(std::max(1, ops::parallel_threads())));
  EXPECT_GT(own, blas);
}

INSTANTIATE_TEST_SUITE_P(Registry, LongSequence, ::testing::ValuesIn(registered_archs()),
                         [](const ::testing::TestParamInfo<const ArchSpec*>& info) {
                           return std::string(info.param->family);
                         });

}  // namespace
}  // namespace attnscope
