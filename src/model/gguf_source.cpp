#include "model/gguf_source.h"

#include <algorithm>

#include "core/error.h"
#include "core/quote.h"
#include "io/gguf_model.h"

namespace attnscope {

const std::vector<std::string_view>& gguf_supported_architectures() {
  static const std::vector<std::string_view> archs = {"llama", "qwen2"};
  return archs;
}

namespace {

std::string supported_list() {
  std::string out;
  for (std::string_view a : gguf_supported_architectures()) {
    if (!out.empty()) out += ", ";
    out += a;
  }
  return out;
}

}  // namespace

nlohmann::json gguf_config_json(const GgufFile& file) {
  const std::string arch = file.get_string("general.architecture").value_or("");
  const auto& supported = gguf_supported_architectures();
  if (std::find(supported.begin(), supported.end(), arch) == supported.end()) {
    throw UnsupportedError("GGUF architecture " + quote(arch) + " in " + file.path() +
                           " cannot run yet (attnscope runs " + supported_list() +
                           "; info and tokenize read any GGUF file)");
  }
  const GgufHyperParams hp = read_gguf_hyperparams(file);
  const std::string p = arch + ".";
  if (hp.rope_dimension_count != hp.head_dim) {
    throw UnsupportedError(p + "rope.dimension_count " + std::to_string(hp.rope_dimension_count) +
                           " rotates part of each head of " + std::to_string(hp.head_dim) +
                           "; attnscope runs " + arch + " files with whole heads rotated");
  }
  if (file.find_tensor("rope_freqs.weight") != nullptr) {
    throw UnsupportedError(file.path() +
                           " has per-dimension rope frequencies (rope_freqs.weight, Llama 3.1 "
                           "style), which attnscope does not read yet");
  }
  nlohmann::json c;
  c["architectures"] = {arch == "llama" ? "LlamaForCausalLM" : "Qwen2ForCausalLM"};
  c["model_type"] = arch;
  c["vocab_size"] = hp.vocab_size;
  c["hidden_size"] = hp.embedding_length;
  c["num_hidden_layers"] = hp.block_count;
  c["num_attention_heads"] = hp.head_count;
  c["num_key_value_heads"] = hp.head_count_kv;
  if (hp.head_dim * hp.head_count != hp.embedding_length) c["head_dim"] = hp.head_dim;
  int64_t ffn = hp.feed_forward_length;
  if (ffn == 0) {
    const GgufTensorInfo& gate = file.tensor("blk.0.ffn_gate.weight");
    ffn = gate.ne.size() == 2 ? gate.ne[1] : 0;
  }
  c["intermediate_size"] = ffn;
  c["max_position_embeddings"] = hp.context_length > 0 ? hp.context_length : 2048;
  if (hp.rms_norm_eps) c["rms_norm_eps"] = *hp.rms_norm_eps;
  c["rope_theta"] = hp.rope_freq_base;
  c["tie_word_embeddings"] = hp.tied_embeddings;
  c["hidden_act"] = "silu";
  if (arch == "llama" && file.find_tensor("blk.0.attn_q.bias") != nullptr) {
    c["attention_bias"] = true;
  }
  if (arch == "qwen2") {
    // llama.cpp applies no sliding window to qwen2 (and the metadata names none).
    c["sliding_window"] = nullptr;
    c["use_sliding_window"] = false;
  }
  const auto scaling = file.get_string(p + "rope.scaling.type");
  if (scaling && *scaling != "none") {
    if (*scaling != "linear") {
      throw UnsupportedError(p + "rope.scaling.type " + quote(*scaling) + " in " + file.path() +
                             " is not supported (none and linear are)");
    }
    const auto factor = file.get_float(p + "rope.scaling.factor");
    if (!factor) throw ConfigError(p + "rope.scaling.factor", "is missing from " + file.path());
    c["rope_scaling"] = {{"type", "linear"}, {"factor", *factor}};
  }
  return c;
}

GgufTensorSource::GgufTensorSource(std::shared_ptr<const GgufFile> file) : file_(std::move(file)) {
  const GgufHyperParams hp = read_gguf_hyperparams(*file_);
  if (hp.qk_permuted) permuted_head_dim_ = hp.head_dim;
  for (const GgufTensorInfo& t : file_->tensors()) {
    by_name_[hf_tensor_name(t.name).value_or(t.name)] = &t;
  }
}

std::vector<std::string> GgufTensorSource::names() const {
  std::vector<std::string> out;
  out.reserve(by_name_.size());
  for (const auto& [name, info] : by_name_) out.push_back(name);
  return out;
}

bool GgufTensorSource::contains(std::string_view name) const {
  return by_name_.find(name) != by_name_.end();
}

const GgufTensorInfo& GgufTensorSource::info(std::string_view name) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    throw ShapeError("tensor " + quote(std::string(name)) + " not found in " + file_->path());
  }
  return *it->second;
}

Shape GgufTensorSource::shape_of(std::string_view name) const { return info(name).shape(); }

DType GgufTensorSource::dtype_of(std::string_view name) const {
  switch (info(name).type) {
    case GgmlType::kF16:
      return DType::kF16;
    case GgmlType::kBF16:
      return DType::kBF16;
    default:
      return DType::kF32;
  }
}

Tensor GgufTensorSource::load_f32(std::string_view name) const {
  const GgufTensorInfo& t = info(name);
  Tensor out(t.shape());
  if (permuted_head_dim_ > 0 && is_llama_permuted(t.name)) {
    if (t.ne.size() == 1) {  // a q/k bias: its entries move like the rows
      const Tensor stored = file_->load_f32(t.name);
      for (int64_t r = 0; r < out.numel(); ++r) {
        out.data()[r] = stored.data()[llama_permuted_row(r, permuted_head_dim_)];
      }
      return out;
    }
    dequantize_hf_rows(*file_, t, true, permuted_head_dim_, 0, t.rows(), out.data());
    return out;
  }
  file_->dequantize_rows(t, 0, t.rows(), out.data());
  return out;
}

Weight GgufTensorSource::load_weight(std::string_view name) const {
  const GgufTensorInfo& t = info(name);
  const GgmlTypeTraits& traits = ggml_type_traits(t.type);
  if (!traits.dequantizable) {
    throw UnsupportedError("tensor " + quote(t.name) + " in " + file_->path() + " has ggml type " +
                           std::string(traits.name) +
                           ", which attnscope cannot dequantize (supported: F32, F16, BF16, "
                           "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)");
  }
  if (permuted_head_dim_ > 0 && is_llama_permuted(t.name)) {
    if (t.ne.size() != 2) return Weight(load_f32(name));  // a bias
    return Weight::in_place_ggml(file_, file_->tensor_data(t).data(), t.type, t.shape())
        .interleaved_halves(permuted_head_dim_);
  }
  return Weight::in_place_ggml(file_, file_->tensor_data(t).data(), t.type, t.shape());
}

}  // namespace attnscope
