// A GGUF model's hyper-parameters from its metadata, validated against the caps of
// core/limits.h and against the tensor shapes before anything is built (RELIABILITY GG-6), and
// the helpers the forward pass needs to read llama.cpp-converted weights in Hugging Face order.
//
//   const GgufFile file("model.gguf");
//   const GgufHyperParams hp = read_gguf_hyperparams(file);   // ConfigError / LimitError /
//   ShapeError std::vector<float> q(rows * hp.embedding_length); dequantize_hf_rows(file,
//   file.tensor("blk.0.attn_q.weight"), hp.qk_permuted, hp.head_dim,
//                      0, rows, q.data());                   // rows of q_proj.weight, HF order
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "io/gguf.h"

namespace attnscope {

struct GgufHyperParams {
  std::string architecture;              // general.architecture ("llama", "qwen2", ...)
  int64_t block_count = 0;               // {arch}.block_count
  int64_t context_length = 0;            // {arch}.context_length (0 when absent)
  int64_t embedding_length = 0;          // {arch}.embedding_length
  int64_t feed_forward_length = 0;       // {arch}.feed_forward_length (0 when absent)
  int64_t head_count = 0;                // {arch}.attention.head_count
  int64_t head_count_kv = 0;             // {arch}.attention.head_count_kv (default head_count)
  int64_t head_dim = 0;                  // {arch}.attention.key_length, else embedding / heads
  int64_t vocab_size = 0;                // rows of token_embd.weight
  int64_t rope_dimension_count = 0;      // {arch}.rope.dimension_count (default head_dim)
  double rope_freq_base = 10000.0;       // {arch}.rope.freq_base
  std::optional<double> rms_norm_eps;    // {arch}.attention.layer_norm_rms_epsilon
  std::optional<double> layer_norm_eps;  // {arch}.attention.layer_norm_epsilon
  bool tied_embeddings = false;          // no output.weight: the output matrix is token_embd
  // llama.cpp's converter permutes the rows of q and k for architecture "llama" (rotary on
  // adjacent pairs); dequantize_hf_rows undoes it.
  bool qk_permuted = false;
};

// Reads and validates: every count positive and within limits::kMax*, head_count a multiple of
// head_count_kv, token_embd [embedding_length, vocab], each blk.N.attn_q/attn_k/attn_v/
// attn_output of the shape the counts give, and no blk.N at or past block_count. ConfigError
// names the metadata key, ShapeError the tensor.
GgufHyperParams read_gguf_hyperparams(const GgufFile& file);

// The GGUF row holding row `hf_row` of a Hugging Face q/k projection that llama.cpp's converter
// permuted: per head of `head_dim` rows, HF row h*d + t*(d/2) + i is GGUF row h*d + 2i + t.
int64_t llama_permuted_row(int64_t hf_row, int64_t head_dim);

// Dequantizes rows [row_begin, row_begin + rows) of `info` in Hugging Face order (through
// llama_permuted_row when `permuted`) into dst (rows * ne[0] floats).
void dequantize_hf_rows(const GgufFile& file, const GgufTensorInfo& info, bool permuted,
                        int64_t head_dim, int64_t row_begin, int64_t rows, float* dst);

// The GGUF tensor holding a Hugging Face tensor of a Llama-family checkpoint (llama, mistral,
// qwen2): "model.layers.3.self_attn.q_proj.weight" -> "blk.3.attn_q.weight",
// "model.embed_tokens.weight" -> "token_embd.weight", "lm_head.weight" -> "output.weight", ...;
// nullopt for a name outside the mapping.
std::optional<std::string> gguf_tensor_name(std::string_view hf_name);

// The inverse of gguf_tensor_name: "blk.3.attn_q.weight" ->
// "model.layers.3.self_attn.q_proj.weight", "output.weight" -> "lm_head.weight"; nullopt for a GGUF
// name outside the mapping.
std::optional<std::string> hf_tensor_name(std::string_view gguf_name);

// True for the tensors llama.cpp's converter permutes in architecture "llama": the q and k
// projection weights (and biases).
bool is_llama_permuted(std::string_view gguf_name);

}  // namespace attnscope
