// Helpers shared by several architecture files (see archs.h).
#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "io/json_file.h"
#include "model/archs/archs.h"

namespace attnscope::arch_helpers {

void set_identity(ModelConfig& config, const nlohmann::json& json, std::string_view family) {
  config.family = std::string(family);
  if (json.contains("architectures") && json["architectures"].is_array() &&
      !json["architectures"].empty() && json["architectures"][0].is_string()) {
    config.architecture = json["architectures"][0].get<std::string>();
  }
  config.model_type = config_json::get_string(json, "model_type", family);
}

void set_head_dim(ModelConfig& config, const nlohmann::json& json, HeadDim source) {
  if (source == HeadDim::kFromConfig) {
    if (const auto head_dim = config_json::get_optional_int(json, "head_dim")) {
      config.head_dim = *head_dim;
      config.head_dim_from_config = true;
      return;
    }
  }
  if (config.num_attention_heads > 0) {
    config.head_dim = config.hidden_size / config.num_attention_heads;
  }
}

void refuse_pruned_heads(const nlohmann::json& json) {
  if (!config_json::has(json, "pruned_heads")) return;
  const nlohmann::json& pruned = json["pruned_heads"];
  if (pruned.is_object() && pruned.empty()) return;
  throw UnsupportedError("config.json sets pruned_heads = " + json_brief(pruned) +
                         "; pruned checkpoints (fewer heads in some layers) are not supported");
}

void refuse_field(const nlohmann::json& json, std::string_view key, std::string_view why) {
  if (!config_json::has(json, key)) return;
  throw UnsupportedError("config.json sets " + std::string(key) + " = " +
                         json_brief(json[std::string(key)]) +
                         ", which is not supported: " + std::string(why));
}

Tensor concat_rows(std::initializer_list<const Tensor*> parts) {
  for (const Tensor* part : parts) {
    if (part->shape().empty()) return {};  // recording mode (WeightReader::recording)
  }
  int64_t rows = 0;
  Shape tail;
  for (const Tensor* part : parts) {
    rows += part->dim(0);
    tail.assign(part->shape().begin() + 1, part->shape().end());
  }
  Shape shape = {rows};
  shape.insert(shape.end(), tail.begin(), tail.end());
  std::vector<float> values;
  values.reserve(shape_numel(shape));
  for (const Tensor* part : parts) {
    values.insert(values.end(), part->values().begin(), part->values().end());
  }
  return Tensor(shape, std::move(values));
}

Tensor transpose(const Tensor& matrix) {
  if (matrix.shape().empty()) return {};  // recording mode (WeightReader::recording)
  const int64_t rows = matrix.dim(0), cols = matrix.dim(1);
  Tensor out({cols, rows});
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) out.data()[c * rows + r] = matrix.data()[r * cols + c];
  }
  return out;
}

Tensor plus_one(const Tensor& t) {
  if (t.shape().empty()) return {};  // recording mode
  std::vector<float> values(t.values().begin(), t.values().end());
  for (float& v : values) v = 1.0f + v;
  return Tensor(t.shape(), std::move(values));
}

Tensor slice_rows(const Tensor& t, int64_t first, int64_t count) {
  if (t.shape().empty()) return {};  // recording mode
  Shape shape = t.shape();
  const int64_t row = t.numel() / shape[0];
  shape[0] = count;
  std::vector<float> values(t.values().begin() + first * row,
                            t.values().begin() + (first + count) * row);
  return Tensor(shape, std::move(values));
}

Tensor regroup_qkv(const Tensor& fused, int64_t kv_heads, int64_t group, int64_t head_dim,
                   int64_t cols) {
  if (fused.shape().empty()) return {};  // recording mode
  Tensor out(fused.shape());
  const int64_t q_rows = kv_heads * group * head_dim, kv_rows = kv_heads * head_dim;
  const auto copy = [&](int64_t from_row, int64_t to_row) {
    std::copy_n(fused.data() + from_row * head_dim * cols, head_dim * cols,
                out.data() + to_row * head_dim * cols);
  };
  // Blocks of head_dim rows: per kv head g, [q_{g·group} .. q_{g·group + group - 1}, k_g, v_g].
  for (int64_t g = 0; g < kv_heads; ++g) {
    const int64_t base = g * (group + 2);
    for (int64_t i = 0; i < group; ++i) copy(base + i, g * group + i);
    copy(base + group, q_rows / head_dim + g);
    copy(base + group + 1, (q_rows + kv_rows) / head_dim + g);
  }
  return out;
}

Weight regroup_qkv(const Weight& fused, int64_t kv_heads, int64_t group, int64_t head_dim) {
  // Ranges of head_dim rows: every q head, then every k head, then every v head.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (int64_t g = 0; g < kv_heads; ++g) {
    for (int64_t i = 0; i < group; ++i)
      ranges.emplace_back((g * (group + 2) + i) * head_dim, head_dim);
  }
  for (int64_t part = 0; part < 2; ++part) {
    for (int64_t g = 0; g < kv_heads; ++g) {
      ranges.emplace_back((g * (group + 2) + group + part) * head_dim, head_dim);
    }
  }
  return fused.select_rows(ranges);
}

void take_linear(WeightReader& reader, const std::string& name, int64_t out, int64_t in, bool bias,
                 Weight& weight, Tensor& bias_out) {
  weight = reader.take(name + ".weight", {out, in});
  if (bias) bias_out = reader.take(name + ".bias", {out});
}

void take_separate_qkv(WeightReader& reader, const ModelConfig& config, const std::string& q,
                       const std::string& k, const std::string& v, bool bias, LayerWeights& out) {
  const int64_t hidden = config.hidden_size;
  Weight qw, kw, vw;
  Tensor qb, kb, vb;
  take_linear(reader, q, config.q_dim(), hidden, bias, qw, qb);
  take_linear(reader, k, config.kv_dim(), hidden, bias, kw, kb);
  take_linear(reader, v, config.kv_dim(), hidden, bias, vw, vb);
  out.qkv_weight = Weight::stack_rows({&qw, &kw, &vw});  // three runs of rows, no copy
  if (bias) out.qkv_bias = concat_rows({&qb, &kb, &vb});
}

void take_norm(WeightReader& reader, const ModelConfig& config, const std::string& name,
               Tensor& weight, Tensor& bias) {
  if (!config.has_norm_weights()) return;  // non-parametric (OLMo)
  weight = reader.take(name + ".weight", {config.hidden_size});
  if (config.has_bias_norms()) bias = reader.take(name + ".bias", {config.hidden_size});
}

void take_lm_head(WeightReader& reader, const ModelConfig& config, const std::string& name,
                  ModelWeights& weights) {
  if (config.tie_word_embeddings) {
    reader.skip_head(name);
    weights.lm_head_tied = true;
  } else {
    weights.lm_head_weight =
        reader.take_head_optional(name, {config.vocab_size, config.hidden_size});
  }
}

}  // namespace attnscope::arch_helpers
