// Golden tests for GGUF files: every case of shared/golden/attention-gguf/index.json (Hugging
// Face transformers 4.40.2, eager, f32, run on the file's weights dequantized by ggml's reference
// code) through Model::load (a .gguf path) and Model::forward, weights read in place in their
// ggml types. Attention within 1e-5 absolute; hidden states and logits within 1e-4 of the
// tensor's max |value|; rows sum to 1 and future keys are exactly 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/gguf.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/attention_store.h"
#include "model/gguf_source.h"
#include "model/model.h"
#include "support/shared_data.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

using testing::all_close;
using testing::attention_invariants;
using testing::close_at_scale;

struct GoldenCase {
  std::string name;  // "stories260k-hf-q4_k/ids_len7"
  nlohmann::json json;
};

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

std::vector<GoldenCase> golden_cases() {
  std::vector<GoldenCase> cases;
  const auto shared = testing::shared_dir();
  if (!shared) return cases;
  const nlohmann::json index =
      load_json_file((*shared / "golden/attention-gguf/index.json").string());
  for (const auto& c : index.at("cases")) {
    const std::filesystem::path gguf = c.at("gguf").get<std::string>();
    cases.push_back({gguf.stem().string() + "/" + c.at("case").get<std::string>(), c});
  }
  return cases;
}

const Model& cached_model(const std::filesystem::path& file) {
  static std::map<std::string, std::unique_ptr<Model>> models;
  auto& slot = models[file.string()];
  if (!slot) slot = std::make_unique<Model>(Model::load(file.string()));
  return *slot;
}

class AttentionGgufGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(AttentionGgufGolden, MatchesTransformersOnDequantizedWeights) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const nlohmann::json& c = GetParam().json;
  const Model& model = cached_model(shared / c.at("gguf").get<std::string>());
  EXPECT_TRUE(model.unused_tensors().empty()) << "unused: " << model.unused_tensors().front();
  EXPECT_EQ(model.config().causal, c.at("causal").get<bool>());
  const SafetensorsFile golden((shared / c.at("file").get<std::string>()).string());
  const ForwardInput input = ForwardInput::single(c.at("ids").get<std::vector<int64_t>>());
  EXPECT_EQ(golden.load_i64("input_ids"), input.ids);

  AttentionStore store;
  AttentionObserver* observers[] = {&store};
  const bool has_logits = c.at("has_logits").get<bool>();
  const ForwardResult out =
      model.forward(input, observers, {.hidden_states = true, .logits = has_logits});

  const Tensor attentions = store.sequence(0);
  EXPECT_TRUE(all_close("attentions", attentions, golden.load_f32("attentions"), 1e-5));
  EXPECT_TRUE(attention_invariants(
      "attentions", attentions, [](int64_t, int64_t query, int64_t key) { return key <= query; }));

  const Tensor expected_hidden = golden.load_f32("hidden_states");
  Tensor hidden = out.hidden_states;
  hidden.reshape(expected_hidden.shape());
  EXPECT_TRUE(close_at_scale("hidden_states", hidden, expected_hidden));
  if (has_logits) {
    const Tensor expected_logits = golden.load_f32("logits");
    Tensor logits = out.logits;
    logits.reshape(expected_logits.shape());
    EXPECT_TRUE(close_at_scale("logits", logits, expected_logits));
  }
}

INSTANTIATE_TEST_SUITE_P(Index, AttentionGgufGolden, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           return testing::parameter_name(info.param.name);
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AttentionGgufGolden);

TEST(AttentionGgufIndex, CoversEveryFile) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  EXPECT_EQ(golden_cases().size(), 42u);
}

// The forward pass and the naive reference forward (which reads single elements through
// Weight::at, one quantized block at a time) agree on a K-quant file.
TEST(AttentionGguf, ReferenceForwardAgreesOnQuantizedWeights) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const Model& model = cached_model(shared / "models/gguf/kquant-llama-mixed.gguf");
  const ForwardInput input = ForwardInput::single({1, 17, 200, 3, 45, 99, 128, 255});
  AttentionStore fast_store, slow_store;
  AttentionObserver* fast[] = {&fast_store};
  AttentionObserver* slow[] = {&slow_store};
  const ForwardResult a = model.forward(input, fast, {.hidden_states = true, .logits = true});
  const ForwardResult b = reference_forward(model.config(), model.weights(), input, slow,
                                            {.hidden_states = true, .logits = true});
  EXPECT_TRUE(all_close("attentions", fast_store.sequence(0), slow_store.sequence(0), 1e-5));
  EXPECT_TRUE(close_at_scale("hidden_states", a.hidden_states, b.hidden_states));
  EXPECT_TRUE(close_at_scale("logits", a.logits, b.logits));
}

// Weights stay in the mapping in their ggml types: the quantized matrices and the embedding
// point at the file's tensor data (nothing dequantized at load).
TEST(AttentionGguf, WeightsAreReadInPlace) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto path = shared / "models/gguf/kquant-llama-q4_k.gguf";
  const Model& model = cached_model(path);
  const GgufFile file(path.string());
  const ModelWeights& w = model.weights();
  EXPECT_TRUE(w.token_embedding.quantized());
  EXPECT_TRUE(w.token_embedding.is_view());
  // Each weight lies where the tensor lies in the file: at the same distance from the
  // embedding as in a second mapping of it.
  const auto address = [](const void* p) { return reinterpret_cast<uintptr_t>(p); };
  const auto offset_of = [&](const Weight& weight, const std::string& tensor) -> intptr_t {
    const uintptr_t embd = address(file.tensor_data(file.tensor("token_embd.weight")).data());
    const uintptr_t there = address(file.tensor_data(file.tensor(tensor)).data());
    return static_cast<intptr_t>(
        (address(weight.first_data()) - address(w.token_embedding.first_data())) - (there - embd));
  };
  EXPECT_EQ(offset_of(w.layers[0].mlp_gate_weight, "blk.0.ffn_gate.weight"), 0);
  EXPECT_EQ(offset_of(w.layers[1].mlp_down_weight, "blk.1.ffn_down.weight"), 0);
  EXPECT_EQ(offset_of(w.layers[0].qkv_weight, "blk.0.attn_q.weight"), 0);
  EXPECT_TRUE(w.layers[0].mlp_gate_weight.quantized());
}

TEST(AttentionGguf, UnsupportedArchitectureIsRefusedByName) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  // A vocab-only GGUF written by llama.cpp's tools: no weights; the architecture is named.
  const auto dir = shared / "models/llamacpp-vocab-gguf";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename() != "ggml-vocab-gpt-2.gguf") continue;
    try {
      (void)Model::load(entry.path().string());
      FAIL() << "a vocab-only gpt2 file loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("gpt2"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace attnscope
