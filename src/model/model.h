// A loaded transformer and its forward pass with attention capture. Load a Hugging Face model
// folder (config.json + safetensors), run ids through it, and every layer's attention
// probabilities are handed to the observers you pass, one sequence at a time, then freed.
// Computes what transformers 4.40 computes with eager attention in f32.
//
//   Model model = Model::load("models/tiny-gpt2");
//   AttentionStore store;                                    // keeps everything
//   AttentionObserver* observers[] = {&store};
//   ForwardResult out = model.forward(ForwardInput::single({464, 2068, 7586}), observers,
//                                     {.hidden_states = true});
//   Tensor probs = store.layer(/*layer=*/0);                 // [head, query_pos, key_pos]
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dtype.h"
#include "core/tensor.h"
#include "model/config.h"
#include "model/observer.h"
#include "model/tensor_source.h"
#include "model/weights.h"

namespace attnscope {

struct ForwardInput {
  int64_t batch = 1;
  int64_t tokens = 0;                   // T, the (padded) length of every sequence
  std::vector<int64_t> ids;             // [batch, tokens]
  std::vector<int64_t> attention_mask;  // [batch, tokens]; 1 = real, 0 = padding; empty = all 1
  std::vector<int64_t> token_type_ids;  // [batch, tokens]; empty = all 0 (BERT segments)

  static ForwardInput single(std::vector<int64_t> ids);
  // Sequences of different lengths, right-padded with `pad_id` and masked.
  static ForwardInput padded(const std::vector<std::vector<int64_t>>& sequences, int64_t pad_id);
};

struct ForwardOptions {
  bool hidden_states = false;  // ForwardResult::hidden_states
  bool logits = false;         // ForwardResult::logits (the LM head runs only when asked)
  // When every observer takes rows (RowObserver, observer.h), attention is computed this many
  // query rows at a time (all heads); 0 = attention_block_rows(). Whole layers otherwise.
  int64_t attention_block_rows = 0;
};

// The query rows per block of a streamed forward pass: as many as keep one block of every
// head's rows ([head, rows, T] f32) near 32 MiB, at least 16, at most T.
int64_t attention_block_rows(const ModelConfig& config, int64_t tokens);

struct ForwardResult {
  // [batch, layer + 1, token, hidden]: [0] the embedding output, [i] the output of layer i; for
  // decoders the last entry is after the final norm (HF's convention).
  Tensor hidden_states;
  Tensor logits;  // [batch, token, vocab]
};

struct ArchSpec;

class Model {
 public:
  // A folder with config.json and model.safetensors (or a sharded index), or a GGUF file
  // (looks_like_gguf: load_gguf). Throws IoError, FormatError, ConfigError, UnsupportedError
  // (unknown architecture), ShapeError.
  static Model load(const std::string& folder);
  // A GGUF file (architectures llama and qwen2; model/gguf_source.h): its weights read in place
  // in their ggml types.
  static Model load_gguf(const std::string& path);
  // The config of a model folder (config.json) or a GGUF file (its metadata), without weights.
  static ModelConfig read_config(const std::string& folder_or_gguf);
  // From a parsed config.json and tensors under their checkpoint names.
  static Model from_source(const nlohmann::json& config, const TensorSource& source);
  // Same, with the config parsed already (load_gguf adjusts it).
  static Model from_parsed(const ArchSpec& arch, ModelConfig config, const TensorSource& source);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }
  // Checkpoint tensors that no part of the model used (not counting known task heads and
  // buffers); callers show them as a warning.
  const std::vector<std::string>& unused_tensors() const { return unused_; }
  // The dtype most weights were stored in (they are f32 in memory).
  DType weight_dtype() const { return weight_dtype_; }
  // The GGUF file the model was loaded from, or "" (a safetensors checkpoint).
  const std::string& gguf_path() const { return gguf_path_; }
  int64_t parameter_count() const { return weights_.parameter_count(); }
  bool has_lm_head() const { return weights_.has_lm_head(); }
  // Reads every weight matrix and embedding table into memory now, instead of page by page in the
  // first forward pass (core/mapped_file.h prefault_read): start-up takes longer (on a cold page
  // cache, the disk read of the weights), every forward pass after it runs at steady speed.
  // load() does it when ATTNSCOPE_PRELOAD=1 (`attnscope --preload`).
  void preload() const;

  // Runs the batch. Each layer's attention [head, query_pos, key_pos] of each sequence goes to
  // every observer, then is freed. Throws InputError for bad ids / shapes / masks,
  // UnsupportedError for logits without an LM head.
  ForwardResult forward(const ForwardInput& input,
                        std::span<AttentionObserver* const> observers = {},
                        const ForwardOptions& options = {}) const;

 private:
  ModelConfig config_;
  ModelWeights weights_;
  std::vector<std::string> unused_;
  DType weight_dtype_ = DType::kF32;
  std::string gguf_path_;
};

// Checks ids, mask and token types against the config (InputError saying what and where).
void validate_forward_input(const ModelConfig& config, const ModelWeights& weights,
                            const ForwardInput& input, const ForwardOptions& options);

// The longest input the model accepts: its position table's length for absolute positions (less
// RoBERTa's padding offset); nullopt for relative positions (rotary, ALiBi), which compute past
// their trained length (warned about, not refused).
std::optional<int64_t> max_input_tokens(const ModelConfig& config);

// Position id of every token, [batch, tokens] (0.. for most; RoBERTa counts past padding).
std::vector<int64_t> position_ids(const ModelConfig& config, const ForwardInput& input);

// The naive oracle: plain loops, no BLAS, one token at a time (reference_forward.cpp). Same
// contract as Model::forward.
ForwardResult reference_forward(const ModelConfig& config, const ModelWeights& weights,
                                const ForwardInput& input,
                                std::span<AttentionObserver* const> observers = {},
                                const ForwardOptions& options = {});

}  // namespace attnscope
