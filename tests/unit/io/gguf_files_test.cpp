// The real GGUF files of ../shared: every file in models/gguf and models/llamacpp-vocab-gguf
// reads, with the tensor types and counts the golden index and PROVENANCE state; and the
// dequantization checked against known answers: the golden hidden_states[0] of every
// attention-gguf case is the dequantized token_embd row of each input id (Hugging Face ran on
// the file's dequantized weights), and its logits are the dequantized output matrix times the
// final hidden state. Then every weight of the quantized stories260k files against the f32 file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "io/gguf.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "support/shared_data.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;

TEST(GgufFiles, EveryTestModelReadsWithTheIndexedTensorTypes) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto index = load_json_file((shared / "golden/attention-gguf/index.json").string());
  std::map<std::string, nlohmann::json> files;
  for (const auto& c : index["cases"]) files[c["gguf"].get<std::string>()] = c;
  ASSERT_EQ(files.size(), 14u);
  for (const auto& [rel, c] : files) {
    SCOPED_TRACE(rel);
    const GgufFile f((shared / rel).string());
    std::map<std::string, int> counts;
    for (const auto& t : f.tensors()) ++counts[std::string(ggml_type_name(t.type))];
    std::map<std::string, int> expected;
    for (const auto& [type, n] : c["gguf_tensor_types"].items()) expected[type] = n.get<int>();
    EXPECT_EQ(counts, expected);
    EXPECT_EQ(f.get_string("general.architecture"), "llama");
    EXPECT_EQ(f.get_int("general.file_type"), c["gguf_file_type"].get<int64_t>());
    EXPECT_EQ(f.alignment(), 32u);
    EXPECT_EQ(f.data_offset() % 32, 0u);
    // Tensors tile the data section in order (what llama.cpp's writer does).
    uint64_t end = 0;
    for (const auto& t : f.tensors()) end = std::max(end, t.offset + t.nbytes);
    EXPECT_LE(f.data_offset() + end, f.file_size());
    EXPECT_GE(f.data_offset() + end + 32, f.file_size());
  }
}

TEST(GgufFiles, LlamaCppVocabFilesRead) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const std::map<std::string, std::pair<std::string, int64_t>> expected = {
      {"bert-bge", {"bert", 30522}}, {"deepseek-coder", {"gpt2", 32256}},
      {"falcon", {"gpt2", 65024}},   {"gpt-2", {"gpt2", 50257}},
      {"gpt-neox", {"gpt2", 50432}}, {"llama-spm", {"llama", 32000}},
      {"phi-3", {"llama", 32064}},   {"starcoder", {"gpt2", 49152}},
  };
  for (const auto& [name, model_vocab] : expected) {
    SCOPED_TRACE(name);
    const GgufFile f(
        (shared / "models/llamacpp-vocab-gguf" / ("ggml-vocab-" + name + ".gguf")).string());
    EXPECT_TRUE(f.tensors().empty());
    EXPECT_EQ(f.get_string("tokenizer.ggml.model"), model_vocab.first);
    const auto tokens = f.get_string_array("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.has_value());
    EXPECT_EQ(static_cast<int64_t>(tokens->size()), model_vocab.second);
    const auto types = f.get_int_array("tokenizer.ggml.token_type");
    ASSERT_TRUE(types.has_value());
    EXPECT_EQ(types->size(), tokens->size());
    if (model_vocab.first == "llama") {
      EXPECT_EQ(f.get_f32_array("tokenizer.ggml.scores")->size(), tokens->size());
      EXPECT_EQ((*tokens)[1], "<s>");
    }
    if (model_vocab.first == "gpt2") {
      EXPECT_GT(f.get_string_array("tokenizer.ggml.merges")->size(), 30000u);
    }
  }
}

TEST(GgufFiles, DequantizedEmbeddingsAndOutputMatchTheGoldens) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const auto index = load_json_file((shared / "golden/attention-gguf/index.json").string());
  std::map<std::string, int> checked_types;
  for (const auto& c : index["cases"]) {
    const std::string rel = c["gguf"].get<std::string>();
    SCOPED_TRACE(rel + " " + c["case"].get<std::string>());
    const GgufFile f((shared / rel).string());
    const SafetensorsFile golden((shared / c["file"].get<std::string>()).string());
    const Tensor hidden = golden.load_f32("hidden_states");  // [L+1, T, D]
    const std::vector<int64_t> ids = golden.load_i64("input_ids");
    const int64_t T = static_cast<int64_t>(ids.size());
    const int64_t D = hidden.shape()[2];
    const GgufTensorInfo& embd = f.tensor("token_embd.weight");
    ASSERT_EQ(embd.row_length(), D);
    std::vector<float> row(static_cast<size_t>(D));
    for (int64_t t = 0; t < T; ++t) {
      f.dequantize_rows(embd, ids[t], 1, row.data());
      const float* want = hidden.data() + t * D;
      for (int64_t d = 0; d < D; ++d) {
        ASSERT_EQ(row[d], want[d]) << "token " << t << " id " << ids[t] << " dim " << d << " ("
                                   << ggml_type_name(embd.type) << ")";
      }
    }
    ++checked_types[std::string(ggml_type_name(embd.type))];

    // logits[t] = W_out . h_last[t] (W_out = output, or token_embd when tied).
    if (!c["has_logits"].get<bool>()) continue;
    const GgufTensorInfo* out = f.find_tensor("output.weight");
    const GgufTensorInfo& w = out != nullptr ? *out : embd;
    const Tensor logits = golden.load_f32("logits");  // [T, V]
    const int64_t V = logits.shape()[1];
    ASSERT_EQ(w.rows(), V);
    std::vector<float> wf(static_cast<size_t>(V * D));
    f.dequantize_rows(w, 0, V, wf.data());
    const float* last = hidden.data() + (hidden.shape()[0] - 1) * T * D;
    float max_logit = 0.0f;
    for (int64_t i = 0; i < logits.numel(); ++i) {
      max_logit = std::max(max_logit, std::abs(logits.data()[i]));
    }
    double worst = 0.0;
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t v = 0; v < V; ++v) {
        double s = 0.0;
        for (int64_t d = 0; d < D; ++d) s += double(wf[v * D + d]) * last[t * D + d];
        worst = std::max(worst, std::abs(s - logits.data()[t * V + v]));
      }
    }
    EXPECT_LE(worst, 1e-4 * max_logit) << ggml_type_name(w.type);
    ++checked_types[std::string(ggml_type_name(w.type))];
  }
  // Every type the golden files hold was checked.
  for (const char* type : {"F32", "F16", "Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q6_K"}) {
    EXPECT_GT(checked_types[type], 0) << type;
  }
}

TEST(GgufFiles, QuantizedWeightsStayNearTheF32File) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const fs::path dir = shared / "models/gguf";
  const GgufFile ref((dir / "stories260k-hf-f32.gguf").string());
  // Relative bound on |dequantized - f32| per tensor, from each type's step size.
  const std::map<std::string, double> bound = {
      {"F32", 0.0}, {"F16", 1e-3}, {"Q8_0", 1.0 / 127}, {"Q5_0", 1.0 / 15}, {"Q4_0", 1.0 / 7}};
  for (const char* name : {"f16", "q8_0", "q4_0", "q4_k", "q6_k", "mixed"}) {
    const GgufFile q((dir / ("stories260k-hf-" + std::string(name) + ".gguf")).string());
    ASSERT_EQ(q.tensors().size(), ref.tensors().size());
    for (const auto& t : q.tensors()) {
      SCOPED_TRACE(std::string(name) + " " + t.name + " " + std::string(ggml_type_name(t.type)));
      const Tensor a = q.load_f32(t.name);
      const Tensor b = ref.load_f32(t.name);
      ASSERT_EQ(a.shape(), b.shape());
      float amax = 0.0f;
      double worst = 0.0;
      for (int64_t i = 0; i < a.numel(); ++i) {
        amax = std::max(amax, std::abs(b.data()[i]));
        worst = std::max(worst, double(std::abs(a.data()[i] - b.data()[i])));
      }
      EXPECT_LE(worst, bound.at(std::string(ggml_type_name(t.type))) * amax);
    }
  }
}

}  // namespace
}  // namespace attnscope
