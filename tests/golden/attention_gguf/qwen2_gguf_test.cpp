// The `qwen2` GGUF path against Hugging Face: shared/models/tiny-qwen2 (F32 safetensors; q/k/v
// biases, 2 kv heads of 4, tied embeddings, rope_theta 1e6) is converted in the test into GGUF v3
// files the way llama.cpp's convert_hf_to_gguf.py writes Qwen2 (architecture "qwen2", its
// metadata keys, its tensor names, q and k rows NOT permuted, no output.weight when the
// embeddings are tied; with --outtype f16 the matrices are F16 and the 1-D tensors stay F32),
// then loaded with Model::load and run on the tiny-qwen2 cases of golden/attention (transformers
// 4.40.2, eager, f32). No GGUF file is added to ../shared.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "gguf_builder.h"
#include "io/gguf.h"
#include "io/gguf_model.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/attention_store.h"
#include "model/model.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

using testing::all_close;
using testing::attention_invariants;
using testing::close_at_scale;
using testing::GgufBuilder;

constexpr uint32_t kGgufF32 = 0;
constexpr uint32_t kGgufF16 = 1;
constexpr uint32_t kAlignment = 32;

// How the 2-D tensors (matrices and the embedding) are stored; 1-D tensors (norms, biases) are
// F32 in every variant, as llama.cpp's converter keeps them.
enum class Matrices {
  kF32,       // --outtype f32
  kF16,       // --outtype f16
  kF32OfF16,  // F32, each value rounded to the nearest f16 first: what kF16 dequantizes to
};

// The GGUF bytes llama.cpp's convert_hf_to_gguf.py writes for a Qwen2 checkpoint (its
// Qwen2Model: no q/k permutation), with tokenizer.ggml.model "none" (tiny-qwen2 has no
// tokenizer; the runs use ids).
std::string convert_qwen2(const std::filesystem::path& folder, Matrices matrices) {
  const nlohmann::json config = load_json_file((folder / "config.json").string());
  const SafetensorsFile st((folder / "model.safetensors").string());

  GgufBuilder kv;
  uint64_t n_kv = 0;
  const auto u32 = [&](const std::string& key, int64_t v) {
    kv.kv_u32(key, static_cast<uint32_t>(v));
    ++n_kv;
  };
  const auto f32 = [&](const std::string& key, double v) {
    kv.kv_f32(key, static_cast<float>(v));
    ++n_kv;
  };
  const auto str = [&](const std::string& key, const std::string& v) {
    kv.kv_string(key, v);
    ++n_kv;
  };
  str("general.architecture", "qwen2");
  str("general.name", "tiny-qwen2");
  u32("general.file_type",
      matrices == Matrices::kF16 ? 1 : 0);  // LlamaFileType ALL_F32 / MOSTLY_F16
  u32("qwen2.block_count", config.at("num_hidden_layers").get<int64_t>());
  u32("qwen2.context_length", config.at("max_position_embeddings").get<int64_t>());
  u32("qwen2.embedding_length", config.at("hidden_size").get<int64_t>());
  u32("qwen2.feed_forward_length", config.at("intermediate_size").get<int64_t>());
  u32("qwen2.attention.head_count", config.at("num_attention_heads").get<int64_t>());
  u32("qwen2.attention.head_count_kv", config.at("num_key_value_heads").get<int64_t>());
  f32("qwen2.rope.freq_base", config.at("rope_theta").get<double>());
  f32("qwen2.attention.layer_norm_rms_epsilon", config.at("rms_norm_eps").get<double>());
  u32("general.alignment", kAlignment);
  str("tokenizer.ggml.model", "none");

  GgufBuilder infos;
  std::string data;
  uint64_t n_tensors = 0;
  for (const TensorInfo& t : st.tensors()) {
    if (t.name == "lm_head.weight" && config.value("tie_word_embeddings", false)) continue;
    const std::optional<std::string> name = gguf_tensor_name(t.name);
    if (!name) throw std::runtime_error("no GGUF name for " + t.name);
    const Tensor values = st.load_f32(t.name);
    const bool matrix = t.shape.size() == 2;
    const uint32_t type = matrix && matrices == Matrices::kF16 ? kGgufF16 : kGgufF32;
    while (data.size() % kAlignment != 0) data.push_back('\0');
    infos.str(*name).u32(static_cast<uint32_t>(t.shape.size()));
    for (size_t axis = t.shape.size(); axis-- > 0;) {  // ggml order: ne[0] is the innermost
      infos.u64(static_cast<uint64_t>(t.shape[axis]));
    }
    infos.u32(type).u64(data.size());
    GgufBuilder bytes;
    for (float v : values.values()) {
      if (type == kGgufF16) {
        const uint16_t h = f32_to_f16(v);
        bytes.u8(static_cast<uint8_t>(h & 0xff)).u8(static_cast<uint8_t>(h >> 8));
      } else {
        bytes.f32(matrix && matrices == Matrices::kF32OfF16 ? f16_to_f32(f32_to_f16(v)) : v);
      }
    }
    data += bytes.bytes();
    ++n_tensors;
  }
  GgufBuilder file;
  file.header(3, n_tensors, n_kv).raw(kv.bytes()).raw(infos.bytes()).pad(kAlignment).raw(data);
  return file.bytes();
}

// The converted files, written once per test binary.
std::string gguf_path(Matrices matrices) {
  static const testing::TempDir dir("qwen2-gguf");
  static std::map<Matrices, std::string> paths;
  auto& path = paths[matrices];
  if (path.empty()) {
    const auto shared = testing::shared_dir();
    const char* names[] = {"tiny-qwen2-f32.gguf", "tiny-qwen2-f16.gguf",
                           "tiny-qwen2-f32-of-f16.gguf"};
    path = dir.write(names[static_cast<int>(matrices)],
                     convert_qwen2(*shared / "models/tiny-qwen2", matrices));
  }
  return path;
}

const Model& gguf_model(Matrices matrices) {
  static std::map<Matrices, std::unique_ptr<Model>> models;
  auto& slot = models[matrices];
  if (!slot) slot = std::make_unique<Model>(Model::load(gguf_path(matrices)));
  return *slot;
}

struct Outputs {
  Tensor attentions;
  Tensor hidden_states;
  Tensor logits;
};

Outputs run_ids(const Model& model, const std::vector<int64_t>& ids) {
  AttentionStore store;
  AttentionObserver* observers[] = {&store};
  const ForwardResult out =
      model.forward(ForwardInput::single(ids), observers, {.hidden_states = true, .logits = true});
  return {store.sequence(0), out.hidden_states, out.logits};
}

struct Qwen2Case {
  std::string name;  // "ids_len7"
  nlohmann::json json;
};

void PrintTo(const Qwen2Case& c, std::ostream* os) { *os << c.name; }

std::vector<Qwen2Case> qwen2_cases() {
  std::vector<Qwen2Case> cases;
  const auto shared = testing::shared_dir();
  if (!shared) return cases;
  const nlohmann::json index = load_json_file((*shared / "golden/attention/index.json").string());
  for (const auto& c : index.at("cases")) {
    if (c.at("model") == "models/tiny-qwen2" && !c.at("batch").get<bool>()) {
      cases.push_back({c.at("case").get<std::string>(), c});
    }
  }
  return cases;
}

class AttentionGgufQwen2 : public ::testing::TestWithParam<Qwen2Case> {};

TEST_P(AttentionGgufQwen2, F32FileMatchesTransformers) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const nlohmann::json& c = GetParam().json;
  const Model& model = gguf_model(Matrices::kF32);
  EXPECT_TRUE(model.unused_tensors().empty()) << "unused: " << model.unused_tensors().front();
  const SafetensorsFile golden((shared / c.at("file").get<std::string>()).string());
  const std::vector<int64_t> ids = c.at("ids").get<std::vector<int64_t>>();
  ASSERT_EQ(golden.load_i64("input_ids"), ids);
  const Outputs got = run_ids(model, ids);

  EXPECT_TRUE(all_close("attentions", got.attentions, golden.load_f32("attentions"), 1e-5));
  EXPECT_TRUE(
      attention_invariants("attentions", got.attentions,
                           [](int64_t, int64_t query, int64_t key) { return key <= query; }));
  const Tensor expected_hidden = golden.load_f32("hidden_states");
  Tensor hidden = got.hidden_states;
  hidden.reshape(expected_hidden.shape());
  EXPECT_TRUE(close_at_scale("hidden_states", hidden, expected_hidden));
  const Tensor expected_logits = golden.load_f32("logits");
  Tensor logits = got.logits;
  logits.reshape(expected_logits.shape());
  EXPECT_TRUE(close_at_scale("logits (tied: token_embd)", logits, expected_logits));
}

// F16 dequantizes exactly (every f16 is an f32), so the F16 file must give what an F32 file of
// the same f16-rounded values gives, at the golden tolerances: only the weights' storage differs.
// Against transformers on the unrounded f32 weights the F16 file is only close: f16 keeps 11
// significant bits (each weight moves by up to 2^-11 ~ 4.9e-4 of itself), and through 2 layers
// that moved these probabilities by up to 3.9e-3 and the hidden states by up to 1.3e-3 of their
// max |value| (measured on the 4 cases, both kernels); the bounds are 1e-2 and 5e-3 of the max,
// loose enough for summation order, tight enough to catch a wrongly decoded or misplaced F16
// tensor (which moves them by O(1)).
TEST_P(AttentionGgufQwen2, F16FileMatchesItsValuesInF32) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const nlohmann::json& c = GetParam().json;
  const Model& f16 = gguf_model(Matrices::kF16);
  const Model& rounded = gguf_model(Matrices::kF32OfF16);
  EXPECT_TRUE(f16.unused_tensors().empty());
  const std::vector<int64_t> ids = c.at("ids").get<std::vector<int64_t>>();
  const Outputs got = run_ids(f16, ids);
  const Outputs want = run_ids(rounded, ids);
  EXPECT_TRUE(all_close("attentions", got.attentions, want.attentions, 1e-5));
  EXPECT_TRUE(close_at_scale("hidden_states", got.hidden_states, want.hidden_states));
  EXPECT_TRUE(close_at_scale("logits", got.logits, want.logits));

  const SafetensorsFile golden((shared / c.at("file").get<std::string>()).string());
  EXPECT_TRUE(all_close("f16 attentions vs transformers f32", got.attentions,
                        golden.load_f32("attentions"), 1e-2));
  const Tensor expected_hidden = golden.load_f32("hidden_states");
  Tensor hidden = got.hidden_states;
  hidden.reshape(expected_hidden.shape());
  EXPECT_TRUE(all_close("f16 hidden_states vs transformers f32", hidden, expected_hidden,
                        5e-3 * testing::max_abs(expected_hidden.values())));
}

INSTANTIATE_TEST_SUITE_P(TinyQwen2, AttentionGgufQwen2, ::testing::ValuesIn(qwen2_cases()),
                         [](const ::testing::TestParamInfo<Qwen2Case>& info) {
                           return testing::parameter_name(info.param.name);
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AttentionGgufQwen2);

TEST(AttentionGgufQwen2Index, HasTheTinyQwen2Cases) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  EXPECT_EQ(qwen2_cases().size(), 4u);
}

// The GGUF's metadata describes the same model as config.json.
TEST(AttentionGgufQwen2, ConfigEqualsTheSafetensorsOne) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const ModelConfig want = Model::read_config((shared / "models/tiny-qwen2").string());
  for (Matrices m : {Matrices::kF32, Matrices::kF16}) {
    const ModelConfig& got = gguf_model(m).config();
    EXPECT_EQ(got.family, want.family);
    EXPECT_EQ(got.architecture, "Qwen2ForCausalLM");
    EXPECT_EQ(got.vocab_size, want.vocab_size);
    EXPECT_EQ(got.hidden_size, want.hidden_size);
    EXPECT_EQ(got.num_hidden_layers, want.num_hidden_layers);
    EXPECT_EQ(got.num_attention_heads, 4);
    EXPECT_EQ(got.num_attention_heads, want.num_attention_heads);
    EXPECT_EQ(got.num_key_value_heads, 2);
    EXPECT_EQ(got.num_key_value_heads, want.num_key_value_heads);
    EXPECT_EQ(got.head_dim, want.head_dim);
    EXPECT_EQ(got.intermediate_size, want.intermediate_size);
    EXPECT_EQ(got.max_position_embeddings, want.max_position_embeddings);
    EXPECT_TRUE(got.qkv_bias);
    EXPECT_EQ(got.qkv_bias, want.qkv_bias);
    EXPECT_EQ(got.attn_out_bias, want.attn_out_bias);
    EXPECT_EQ(got.mlp_bias, want.mlp_bias);
    EXPECT_EQ(got.rope_theta, 1e6);
    EXPECT_EQ(got.rope_theta, want.rope_theta);
    EXPECT_EQ(got.rotary_style, want.rotary_style);
    EXPECT_TRUE(got.tie_word_embeddings);
    EXPECT_EQ(got.tie_word_embeddings, want.tie_word_embeddings);
    // Stored as FLOAT32 (llama.cpp's type for it): 1e-6 to f32 precision.
    EXPECT_NEAR(got.rms_norm_eps, want.rms_norm_eps, 1e-6 * 1e-7);
    EXPECT_EQ(got.norm, want.norm);
    EXPECT_EQ(got.mlp, want.mlp);
    EXPECT_EQ(got.activation, want.activation);
    EXPECT_EQ(got.causal, want.causal);
    // config.json names a window of 128 (which transformers 4.40.2's eager mask applies even with
    // use_sliding_window false); llama.cpp runs qwen2 without one, and so does the GGUF path. The
    // window covers every position of these cases (max_position_embeddings 128), so the goldens
    // hold for both.
    EXPECT_EQ(want.sliding_window, 128);
    EXPECT_EQ(got.sliding_window, 0);
  }
}

// What the converter wrote is what the loader reads: architecture qwen2, q/k not permuted, tied
// embeddings (no output.weight), and the F16 file really holds F16 matrices next to F32 norms.
TEST(AttentionGgufQwen2, ConvertedFilesAreQwen2AsLlamaCppWritesThem) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const GgufFile f32(gguf_path(Matrices::kF32));
  const GgufHyperParams hp = read_gguf_hyperparams(f32);
  EXPECT_EQ(hp.architecture, "qwen2");
  EXPECT_FALSE(hp.qk_permuted);
  EXPECT_TRUE(hp.tied_embeddings);
  EXPECT_EQ(f32.find_tensor("output.weight"), nullptr);
  EXPECT_EQ(hp.head_count_kv, 2);
  EXPECT_EQ(hp.vocab_size, 1000);
  const GgufFile f16(gguf_path(Matrices::kF16));
  EXPECT_EQ(f16.tensor("token_embd.weight").type, GgmlType::kF16);
  EXPECT_EQ(f16.tensor("blk.1.attn_q.weight").type, GgmlType::kF16);
  EXPECT_EQ(f16.tensor("blk.1.ffn_down.weight").type, GgmlType::kF16);
  EXPECT_EQ(f16.tensor("blk.1.attn_q.bias").type, GgmlType::kF32);
  EXPECT_EQ(f16.tensor("output_norm.weight").type, GgmlType::kF32);
  const Model& model = gguf_model(Matrices::kF16);
  // F16 matrices are read in place as f16, not widened at load.
  const Weight& gate = model.weights().layers[0].mlp_gate_weight;
  EXPECT_EQ(gate.dtype(), DType::kF16);
  EXPECT_TRUE(gate.is_view());
  EXPECT_EQ(model.weights().token_embedding.dtype(), DType::kF16);
}

}  // namespace
}  // namespace attnscope
