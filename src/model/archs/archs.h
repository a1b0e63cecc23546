// The small helpers several architecture files share. Each family's accessor
// (`const ArchSpec& <family>_arch()`, defined in archs/<family>.cpp) is declared by its one line
// in archs/registry.cpp, not here.
#pragma once

#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

#include "model/arch.h"

namespace attnscope {
namespace arch_helpers {

// family, architectures[0] and model_type of a config.json.
void set_identity(ModelConfig& config, const nlohmann::json& json, std::string_view family);
// How a family finds its head_dim.
enum class HeadDim {
  kFromConfig,       // config.json "head_dim" when present (Llama family), else hidden / heads
  kHiddenOverHeads,  // always hidden_size / num_attention_heads: transformers ignores the key
};
void set_head_dim(ModelConfig& config, const nlohmann::json& json, HeadDim source);
// UnsupportedError when config.json prunes heads ("pruned_heads" non-empty): the checkpoint's
// layers then have fewer heads than num_attention_heads says.
void refuse_pruned_heads(const nlohmann::json& json);
// UnsupportedError naming `key` and its value when config.json sets it (non-null); `why` says
// what it would change.
void refuse_field(const nlohmann::json& json, std::string_view key, std::string_view why);
// Rows of the given [rows_i, cols] tensors stacked into [sum rows_i, cols] (1-D: concatenated).
Tensor concat_rows(std::initializer_list<const Tensor*> parts);
// [rows, cols] -> [cols, rows], copied. Weights are not transposed this way: Weight::transposed()
// reads GPT-2's Conv1D [in, out] as it is stored.
Tensor transpose(const Tensor& matrix);
// 1 + t elementwise (Gemma's norm weights), a new tensor.
Tensor plus_one(const Tensor& t);
// Rows [first, first + count) of a [rows, ...] tensor (1-D: elements), a new tensor: splits
// fused projections (Phi-3 gate_up_proj).
Tensor slice_rows(const Tensor& t, int64_t first, int64_t count);
// A fused query_key_value [KV · (group + 2) · head_dim, cols] laid out per kv head as
// [q_0 .. q_{group-1}, k, v] (Falcon; BLOOM and GPT-NeoX are the case group = 1, kv = heads)
// regrouped into our [q heads | k heads | v heads] rows. `cols` is 1 for a bias.
Tensor regroup_qkv(const Tensor& fused, int64_t kv_heads, int64_t group, int64_t head_dim,
                   int64_t cols);
// The same regrouping of a fused weight matrix, read in place (Weight::select_rows, no copy).
Weight regroup_qkv(const Weight& fused, int64_t kv_heads, int64_t group, int64_t head_dim);

// The separate q/k/v projections of most families, fused into LayerWeights::qkv_*.
void take_separate_qkv(WeightReader& reader, const ModelConfig& config, const std::string& q,
                       const std::string& k, const std::string& v, bool bias, LayerWeights& out);
// Loads `name`.weight [out, in] (read in place) and, when `bias`, `name`.bias [out].
void take_linear(WeightReader& reader, const std::string& name, int64_t out, int64_t in, bool bias,
                 Weight& weight, Tensor& bias_out);
// Loads a norm: `name`.weight [hidden] and, for LayerNorm, `name`.bias.
void take_norm(WeightReader& reader, const ModelConfig& config, const std::string& name,
               Tensor& weight, Tensor& bias);
// The LM head `name` [vocab, hidden]: re-tied to the embeddings when tie_word_embeddings (a
// stored copy is skipped, as HF re-ties it), else loaded when present (it is optional: base
// models have none).
void take_lm_head(WeightReader& reader, const ModelConfig& config, const std::string& name,
                  ModelWeights& weights);

}  // namespace arch_helpers
}  // namespace attnscope
