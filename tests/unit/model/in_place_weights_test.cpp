// Weights read in place (model/weights.h): a checkpoint written to disk in F32, F16 and BF16 and
// loaded from its mapping gives the same forward pass as the same values copied to f32
// (ATTNSCOPE_WEIGHTS=copy, the pre-mapping behaviour) and as the reference forward, for every
// registered family and on both GEMM kernels; F32 matrices are not copied (their data lies
// inside the mapped file), and nothing is read for a shape-only listing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "forward_pair.h"
#include "io/safetensors.h"
#include "model/arch.h"
#include "model/model.h"
#include "ops/gemm.h"
#include "random_model.h"
#include "support/temp_dir.h"
#include "tensor_compare.h"

namespace attnscope::testing {
namespace {

// Writes `arch`'s example model with random weights to dir/<dtype> and returns the folder.
std::filesystem::path write_checkpoint(const ArchSpec& arch, DType dtype, const TempDir& dir) {
  const nlohmann::json config = nlohmann::json::parse(arch.example_config);
  const MemoryTensorSource source = random_weights(arch, arch.parse_config(config), 11);
  SafetensorsWriter writer;
  for (const std::string& name : source.names()) {
    writer.add_f32(name, source.load_f32(name), dtype);
  }
  const std::filesystem::path folder = dir.path() / std::string(dtype_name(dtype));
  std::filesystem::create_directories(folder);
  writer.write((folder / "model.safetensors").string());
  std::ofstream(folder / "config.json") << config.dump();
  return folder;
}

ForwardInput input_for(const Model& model, int64_t tokens) {
  std::vector<int64_t> ids;
  for (int64_t t = 0; t < tokens; ++t) ids.push_back((t * 7 + 3) % model.config().vocab_size);
  return ForwardInput::single(ids);
}

bool inside(const void* p, std::span<const std::byte> range) {
  const auto* b = static_cast<const std::byte*>(p);
  return b >= range.data() && b < range.data() + range.size();
}

TEST(InPlaceWeights, F32MatricesLieInsideTheMapping) {
  TempDir dir("inplace");
  for (const ArchSpec* arch : registered_archs()) {
    SCOPED_TRACE(std::string(arch->family));
    const auto folder = write_checkpoint(*arch, DType::kF32, dir);
    const CheckpointSource source(SafetensorsCheckpoint::open(folder.string()));
    const Model model =
        Model::from_source(nlohmann::json::parse(std::string(arch->example_config)), source);
    const auto mapping =
        source.checkpoint().files()[0]->raw(source.checkpoint().files()[0]->tensors().front());
    // The whole data region: from the first tensor's start to the file's end.
    const std::span<const std::byte> region(
        mapping.data(),
        static_cast<size_t>(std::filesystem::file_size(folder / "model.safetensors")));
    const ModelWeights& w = model.weights();
    ASSERT_TRUE(w.token_embedding.is_view());
    EXPECT_TRUE(inside(w.token_embedding.first_data(), region));
    for (const LayerWeights& l : w.layers) {
      std::vector<const Weight*> matrices = {&l.qkv_weight,
                                             &l.attn_out_weight,
                                             &l.mlp_up_weight,
                                             &l.mlp_down_weight,
                                             &l.mlp_gate_weight,
                                             &l.router_weight,
                                             &l.shared_expert.gate_weight,
                                             &l.shared_expert.up_weight,
                                             &l.shared_expert.down_weight};
      for (const ExpertWeights& e : l.experts) {
        matrices.insert(matrices.end(), {&e.gate_weight, &e.up_weight, &e.down_weight});
      }
      for (const Weight* m : matrices) {
        if (m->empty()) continue;
        EXPECT_TRUE(m->is_view());
        EXPECT_TRUE(inside(m->first_data(), region));
      }
    }
  }
}

TEST(InPlaceWeights, EveryDtypeMatchesTheCopiedWeightsAndTheReference) {
  TempDir dir("inplace");
  std::vector<ops::LinearKernel> kernels = {ops::LinearKernel::kBlas};
  if (ops::avx512_available()) kernels.push_back(ops::LinearKernel::kAvx512);
  const ops::LinearKernel saved = ops::linear_kernel();
  for (const ArchSpec* arch : registered_archs()) {
    for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
      const auto folder = write_checkpoint(*arch, dtype, dir);
      const Model in_place = Model::load(folder.string());
      const Model copied = [&] {
        ScopedEnv copy("ATTNSCOPE_WEIGHTS", "copy");
        return Model::load(folder.string());
      }();
      EXPECT_EQ(in_place.weights().layers[0].qkv_weight.dtype(), dtype);
      EXPECT_EQ(copied.weights().layers[0].qkv_weight.dtype(), DType::kF32);
      EXPECT_FALSE(copied.weights().layers[0].qkv_weight.is_view());
      for (ops::LinearKernel kernel : kernels) {
        ops::set_linear_kernel(kernel);
        // 5 tokens: the dot-product kernel; 140: the packed one.
        for (int64_t tokens : {5, 140}) {
          if (tokens > in_place.config().max_position_embeddings) continue;
          SCOPED_TRACE(std::string(arch->family) + " " + std::string(dtype_name(dtype)) + " " +
                       ops::linear_kernel_name(kernel) + " T=" + std::to_string(tokens));
          const ForwardInput input = input_for(in_place, tokens);
          const ForwardPair run(in_place, input);
          EXPECT_TRUE(run.agree());
          AttentionStore copied_store;
          AttentionObserver* observers[] = {&copied_store};
          const ForwardResult copied_out =
              copied.forward(input, observers, {.hidden_states = true});
          EXPECT_TRUE(
              all_close("attentions", run.fast_store.sequence(0), copied_store.sequence(0), 1e-6));
          EXPECT_TRUE(all_close("hidden_states", run.fast.hidden_states, copied_out.hidden_states,
                                1e-5 * max_abs(copied_out.hidden_states.values())));
        }
      }
    }
  }
  ops::set_linear_kernel(saved);
}

}  // namespace
}  // namespace attnscope::testing
