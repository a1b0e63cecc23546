// GGUF files as a model source: the same forward pass as for safetensors, another file format.
// The GGUF metadata becomes the config.json the family's ArchSpec reads (gguf_config_json), and
// the tensors are offered under their Hugging Face names (GgufTensorSource), each a Weight read
// where it lies in the mapping, in its ggml type (quantized rows are dequantized by the GEMM as it
// packs them; the matrix stays at its file size).
//
// Architectures: `llama` (Llama, Mistral and what llama.cpp converts as llama) and `qwen2`.
// llama.cpp's converter permutes the rows of llama's q and k projections (per head of d rows,
// Hugging Face row t·d/2 + i is stored as row 2i + t) so that its rotary turns adjacent pairs;
// the source reads them back in Hugging Face order through a row stride
// (Weight::interleaved_halves: nothing is copied), so the forward pass runs Hugging Face's
// rotate-half rotary and sums q·k in Hugging Face's order.
//
//   auto file = std::make_shared<const GgufFile>("model-q4_k.gguf");
//   nlohmann::json config = gguf_config_json(*file);   // UnsupportedError for other archs
//   GgufTensorSource source(file);                       //
//   "model.layers.0.self_attn.q_proj.weight"
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/gguf.h"
#include "model/tensor_source.h"

namespace attnscope {

// The architectures whose GGUF files attnscope runs ("llama", "qwen2").
const std::vector<std::string_view>& gguf_supported_architectures();

// A Hugging Face config.json for the file's architecture, from its metadata (validated by
// read_gguf_hyperparams). UnsupportedError naming the architecture for one not supported, or for
// rope scaling other than none / linear, or per-dimension rope frequencies (rope_freqs.weight).
nlohmann::json gguf_config_json(const GgufFile& file);

class GgufTensorSource : public TensorSource {
 public:
  // Architecture llama: q/k weights (and biases) are read back in Hugging Face order.
  explicit GgufTensorSource(std::shared_ptr<const GgufFile> file);
  // Hugging Face names of the mapped tensors; tensors outside the mapping under their GGUF names
  // (so a model reports them as unused).
  std::vector<std::string> names() const override;
  bool contains(std::string_view name) const override;
  Shape shape_of(std::string_view name) const override;
  // F32, F16 or BF16; F32 for block-quantized tensors (computed in f32 after dequantization).
  DType dtype_of(std::string_view name) const override;
  Tensor load_f32(std::string_view name) const override;
  // In place, in the tensor's ggml type (Weight::in_place_ggml).
  Weight load_weight(std::string_view name) const override;
  const GgufFile& file() const { return *file_; }

 private:
  const GgufTensorInfo& info(std::string_view name) const;

  std::shared_ptr<const GgufFile> file_;
  int64_t permuted_head_dim_ = 0;  // > 0: llama, q/k rows to un-permute per head of this size
  std::map<std::string, const GgufTensorInfo*, std::less<>> by_name_;
};

}  // namespace attnscope
