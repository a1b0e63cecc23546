// GGUF hyper-parameters (GG-6: counts within caps and matching the tensor shapes) and the
// llama q/k row permutation undone: stories260k's f32 GGUF read in Hugging Face order equals
// the Hugging Face checkpoint it was converted from, tensor for tensor.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "core/mapped_file.h"
#include "gguf_builder.h"
#include "io/gguf_model.h"
#include "io/safetensors.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

using ::attnscope::testing::GgufBuilder;
using ::attnscope::testing::TempDir;

TEST(GgufModel, Stories260kInHuggingFaceOrder) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const GgufFile f((shared / "models/gguf/stories260k-hf-f32.gguf").string());
  const GgufHyperParams hp = read_gguf_hyperparams(f);
  EXPECT_EQ(hp.architecture, "llama");
  EXPECT_EQ(hp.block_count, 5);
  EXPECT_EQ(hp.embedding_length, 64);
  EXPECT_EQ(hp.head_count, 8);
  EXPECT_EQ(hp.head_count_kv, 4);
  EXPECT_EQ(hp.head_dim, 8);
  EXPECT_EQ(hp.vocab_size, 512);
  EXPECT_EQ(hp.feed_forward_length, 172);
  EXPECT_TRUE(hp.tied_embeddings);
  EXPECT_TRUE(hp.qk_permuted);
  ASSERT_TRUE(hp.rms_norm_eps.has_value());
  EXPECT_FLOAT_EQ(static_cast<float>(*hp.rms_norm_eps), 1e-5f);

  const SafetensorsFile hf((shared / "models/stories260k-hf/model.safetensors").string());
  const std::vector<std::pair<const char*, const char*>> names = {
      {"attn_q", "self_attn.q_proj"},          {"attn_k", "self_attn.k_proj"},
      {"attn_v", "self_attn.v_proj"},          {"attn_output", "self_attn.o_proj"},
      {"ffn_gate", "mlp.gate_proj"},           {"ffn_up", "mlp.up_proj"},
      {"ffn_down", "mlp.down_proj"},           {"attn_norm", "input_layernorm"},
      {"ffn_norm", "post_attention_layernorm"}};
  for (int64_t l = 0; l < hp.block_count; ++l) {
    for (const auto& [g, h] : names) {
      const std::string gname = "blk." + std::to_string(l) + "." + g + ".weight";
      const std::string hname = "model.layers." + std::to_string(l) + "." + h + ".weight";
      SCOPED_TRACE(gname);
      const GgufTensorInfo& info = f.tensor(gname);
      const Tensor want = hf.load_f32(hname);
      ASSERT_EQ(info.shape(), want.shape());
      const bool qk = std::string(g) == "attn_q" || std::string(g) == "attn_k";
      std::vector<float> got(static_cast<size_t>(info.numel));
      dequantize_hf_rows(f, info, qk && hp.qk_permuted, hp.head_dim, 0, info.rows(), got.data());
      EXPECT_EQ(got, std::vector<float>(want.data(), want.data() + want.numel()));
      if (qk) {  // and the file order is really permuted
        std::vector<float> raw(got.size());
        f.dequantize_rows(info, 0, info.rows(), raw.data());
        EXPECT_NE(raw, got);
      }
    }
  }
  EXPECT_EQ(f.load_f32("token_embd.weight").shape(), hf.get("model.embed_tokens.weight").shape);
}

TEST(GgufModel, HuggingFaceNamesMapOntoEveryGgufTensor) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  for (const char* model : {"stories260k-hf", "tiny-llama"}) {
    SCOPED_TRACE(model);
    const SafetensorsFile hf((shared / "models" / model / "model.safetensors").string());
    const GgufFile f((shared / "models/gguf" /
                      (std::string(model) + (model[0] == 's' ? "-f32.gguf" : "-q8_0.gguf")))
                         .string());
    std::set<std::string> hit;
    for (const auto& t : hf.tensors()) {
      const auto name = gguf_tensor_name(t.name);
      ASSERT_TRUE(name.has_value()) << t.name;
      const GgufTensorInfo* g = f.find_tensor(*name);
      if (g == nullptr && *name == "output.weight") continue;  // tied: lm_head is token_embd
      ASSERT_NE(g, nullptr) << *name;
      EXPECT_EQ(g->shape(), t.shape) << *name;
      EXPECT_EQ(hf_tensor_name(*name), t.name);  // the inverse mapping
      hit.insert(*name);
    }
    EXPECT_EQ(hit.size(), f.tensors().size());
  }
  EXPECT_EQ(gguf_tensor_name("model.layers.12.self_attn.q_proj.bias"), "blk.12.attn_q.bias");
  EXPECT_EQ(gguf_tensor_name("model.layers.x.self_attn.q_proj.weight"), std::nullopt);
  EXPECT_EQ(gguf_tensor_name("model.layers.1.self_attn.q_proj.weightx"), std::nullopt);
  EXPECT_EQ(hf_tensor_name("blk.3.attn_q.bias"), "model.layers.3.self_attn.q_proj.bias");
  EXPECT_EQ(hf_tensor_name("blk.3.attn_qkv.weight"), std::nullopt);
  EXPECT_EQ(hf_tensor_name("rope_freqs.weight"), std::nullopt);
  EXPECT_TRUE(is_llama_permuted("blk.0.attn_k.weight"));
  EXPECT_FALSE(is_llama_permuted("blk.0.attn_v.weight"));
}

TEST(GgufModel, PermutationMapsEachHead) {
  // head_dim 4: HF rows (0,1 | 2,3) -> GGUF rows 0, 2, 1, 3 per head.
  EXPECT_EQ(llama_permuted_row(0, 4), 0);
  EXPECT_EQ(llama_permuted_row(1, 4), 2);
  EXPECT_EQ(llama_permuted_row(2, 4), 1);
  EXPECT_EQ(llama_permuted_row(3, 4), 3);
  EXPECT_EQ(llama_permuted_row(5, 4), 6);
}

class GgufModelHostile : public ::testing::Test {
 protected:
  // A llama file with the given counts and tensors blk.0 .. blk.(layers_present - 1).
  std::string file(uint32_t blocks, uint32_t heads, uint32_t heads_kv, int layers_present,
                   uint64_t q_rows = 8) {
    GgufBuilder b;
    const uint64_t n_tensors = 1 + static_cast<uint64_t>(layers_present);
    b.header(3, n_tensors, 5).kv_string("general.architecture", "llama");
    b.kv_u32("llama.block_count", blocks).kv_u32("llama.embedding_length", 8);
    b.kv_u32("llama.attention.head_count", heads).kv_u32("llama.attention.head_count_kv", heads_kv);
    b.tensor("token_embd.weight", {8, 4}, 0, 0);
    for (int l = 0; l < layers_present; ++l) {
      b.tensor("blk." + std::to_string(l) + ".attn_q.weight", {8, q_rows}, 0, 128 + 512 * l);
    }
    b.pad(32).zeros(128 + 512 * static_cast<size_t>(layers_present));
    const std::string path = dir_.file("m" + std::to_string(count_++) + ".gguf");
    write_file_atomic(path, b.bytes());
    return path;
  }
  TempDir dir_{"gguf-model"};
  int count_ = 0;
};

TEST_F(GgufModelHostile, CountsWithinCapsAndMatchingTensors) {
  EXPECT_EQ(read_gguf_hyperparams(GgufFile(file(2, 2, 1, 2))).head_dim, 4);
  // A layer past block_count (acestep.cpp#98: layers[32] overflowed).
  EXPECT_THROW(read_gguf_hyperparams(GgufFile(file(1, 2, 1, 2))), ShapeError);
  EXPECT_THROW(read_gguf_hyperparams(GgufFile(file(0, 2, 1, 0))), ConfigError);
  EXPECT_THROW(read_gguf_hyperparams(GgufFile(file(1u << 30, 2, 1, 0))), LimitError);
  EXPECT_THROW(read_gguf_hyperparams(GgufFile(file(1, 0, 1, 0))), ConfigError);
  EXPECT_THROW(read_gguf_hyperparams(GgufFile(file(1, 4, 3, 0))), ConfigError);
  EXPECT_THROW(read_gguf_hyperparams(GgufFile(file(1, 3, 1, 0))), ConfigError);  // 8 % 3
  // attn_q rows must be head_count * head_dim.
  EXPECT_THROW(read_gguf_hyperparams(GgufFile(file(1, 2, 1, 1, 16))), ShapeError);
}

TEST_F(GgufModelHostile, WrongMetadataTypeIsATypeError) {
  GgufBuilder b;
  b.header(3, 0, 2).kv_string("general.architecture", "llama");
  b.kv_string("llama.block_count", "32");
  const std::string path = dir_.file("typed.gguf");
  write_file_atomic(path, b.bytes());
  try {
    (void)read_gguf_hyperparams(GgufFile(path));
    ADD_FAILURE() << "string block_count read";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("has type STRING; expected an integer"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace attnscope
