#include "io/gguf_model.h"

#include <cstdlib>

#include "core/error.h"
#include "core/limits.h"
#include "core/quote.h"

namespace attnscope {
namespace {

int64_t required_int(const GgufFile& f, const std::string& key) {
  const auto v = f.get_int(key);
  if (!v) throw ConfigError(key, "is missing from " + f.path());
  return *v;
}

void check_range(const std::string& key, int64_t value, int64_t limit) {
  if (value <= 0) throw ConfigError(key, "is " + std::to_string(value) + "; expected > 0");
  check_limit(key, value, limit);
}

void expect_shape(const GgufFile& f, const std::string& name, std::vector<int64_t> ne,
                  bool required) {
  const GgufTensorInfo* t = f.find_tensor(name);
  if (t == nullptr) {
    if (required) throw ShapeError("tensor " + quote(name) + " not found in " + f.path());
    return;
  }
  if (t->ne != ne) throw ShapeError(name, Shape(ne.rbegin(), ne.rend()), t->shape());
}

}  // namespace

GgufHyperParams read_gguf_hyperparams(const GgufFile& f) {
  GgufHyperParams hp;
  const auto arch = f.get_string("general.architecture");
  if (!arch || arch->empty())
    throw ConfigError("general.architecture", "is missing from " + f.path());
  hp.architecture = *arch;
  const std::string p = *arch + ".";
  hp.block_count = required_int(f, p + "block_count");
  check_range(p + "block_count", hp.block_count, limits::kMaxLayers);
  hp.embedding_length = required_int(f, p + "embedding_length");
  check_range(p + "embedding_length", hp.embedding_length, limits::kMaxHiddenSize);
  hp.head_count = required_int(f, p + "attention.head_count");
  check_range(p + "attention.head_count", hp.head_count, limits::kMaxHeads);
  hp.head_count_kv = f.get_int(p + "attention.head_count_kv").value_or(hp.head_count);
  check_range(p + "attention.head_count_kv", hp.head_count_kv, limits::kMaxHeads);
  if (hp.head_count % hp.head_count_kv != 0) {
    throw ConfigError(p + "attention.head_count_kv", std::to_string(hp.head_count_kv) +
                                                         " does not divide head_count " +
                                                         std::to_string(hp.head_count));
  }
  if (const auto k = f.get_int(p + "attention.key_length")) {
    hp.head_dim = *k;
  } else {
    if (hp.embedding_length % hp.head_count != 0) {
      throw ConfigError(p + "attention.head_count",
                        "does not divide embedding_length " + std::to_string(hp.embedding_length));
    }
    hp.head_dim = hp.embedding_length / hp.head_count;
  }
  check_range(p + "attention.key_length", hp.head_dim, limits::kMaxHeadDim);
  hp.context_length = f.get_int(p + "context_length").value_or(0);
  if (hp.context_length != 0)
    check_range(p + "context_length", hp.context_length, limits::kMaxPositions);
  hp.feed_forward_length = f.get_int(p + "feed_forward_length").value_or(0);
  if (hp.feed_forward_length != 0) {
    check_range(p + "feed_forward_length", hp.feed_forward_length, limits::kMaxIntermediateSize);
  }
  hp.rope_dimension_count = f.get_int(p + "rope.dimension_count").value_or(hp.head_dim);
  if (hp.rope_dimension_count < 0 || hp.rope_dimension_count > hp.head_dim) {
    throw ConfigError(p + "rope.dimension_count", std::to_string(hp.rope_dimension_count) +
                                                      " is not within head_dim " +
                                                      std::to_string(hp.head_dim));
  }
  hp.rope_freq_base = f.get_float(p + "rope.freq_base").value_or(10000.0);
  if (!(hp.rope_freq_base > 0.0)) {
    throw ConfigError(p + "rope.freq_base", "is not a positive number");
  }
  hp.rms_norm_eps = f.get_float(p + "attention.layer_norm_rms_epsilon");
  hp.layer_norm_eps = f.get_float(p + "attention.layer_norm_epsilon");

  const GgufTensorInfo& embd = f.tensor("token_embd.weight");
  if (embd.ne.size() != 2 || embd.ne[0] != hp.embedding_length) {
    throw ShapeError("token_embd.weight",
                     {embd.ne.size() == 2 ? embd.ne[1] : -1, hp.embedding_length}, embd.shape());
  }
  hp.vocab_size = embd.ne[1];
  check_range("token_embd.weight rows", hp.vocab_size, limits::kMaxVocabSize);
  if (const auto v = f.get_int(p + "vocab_size"); v && *v != hp.vocab_size) {
    throw ConfigError(p + "vocab_size", std::to_string(*v) + " but token_embd.weight has " +
                                            std::to_string(hp.vocab_size) + " rows");
  }
  hp.tied_embeddings = f.find_tensor("output.weight") == nullptr;
  if (!hp.tied_embeddings) {
    expect_shape(f, "output.weight", {hp.embedding_length, hp.vocab_size}, true);
  }
  // No layer past block_count (a fixed-size layer table indexed by N must not overflow).
  for (const auto& t : f.tensors()) {
    if (t.name.rfind("blk.", 0) != 0) continue;
    char* end = nullptr;
    const long long n = std::strtoll(t.name.c_str() + 4, &end, 10);
    if (end == t.name.c_str() + 4 || *end != '.' || n < 0 || n >= hp.block_count) {
      throw ShapeError("tensor " + quote(t.name) + " is not a layer of " +
                       std::to_string(hp.block_count) + " (" + p + "block_count)");
    }
  }
  const int64_t q_rows = hp.head_count * hp.head_dim;
  const int64_t kv_rows = hp.head_count_kv * hp.head_dim;
  for (int64_t l = 0; l < hp.block_count; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    expect_shape(f, b + "attn_q.weight", {hp.embedding_length, q_rows}, false);
    expect_shape(f, b + "attn_k.weight", {hp.embedding_length, kv_rows}, false);
    expect_shape(f, b + "attn_v.weight", {hp.embedding_length, kv_rows}, false);
    expect_shape(f, b + "attn_output.weight", {q_rows, hp.embedding_length}, false);
  }
  hp.qk_permuted = hp.architecture == "llama";
  return hp;
}

int64_t llama_permuted_row(int64_t hf_row, int64_t head_dim) {
  const int64_t half = head_dim / 2;
  const int64_t h = hf_row / head_dim;
  const int64_t rem = hf_row % head_dim;
  return h * head_dim + 2 * (rem % half) + rem / half;
}

void dequantize_hf_rows(const GgufFile& file, const GgufTensorInfo& info, bool permuted,
                        int64_t head_dim, int64_t row_begin, int64_t rows, float* dst) {
  if (!permuted) return file.dequantize_rows(info, row_begin, rows, dst);
  if (head_dim <= 0 || head_dim % 2 != 0 || info.rows() % head_dim != 0) {
    throw ShapeError("tensor " + quote(info.name) + " has " + std::to_string(info.rows()) +
                     " rows, not whole heads of " + std::to_string(head_dim));
  }
  if (row_begin < 0 || rows < 0 || row_begin > info.rows() || rows > info.rows() - row_begin) {
    throw InputError("rows [" + std::to_string(row_begin) + ", +" + std::to_string(rows) +
                     ") are outside tensor " + quote(info.name));
  }
  const int64_t n = info.row_length();
  for (int64_t r = 0; r < rows; ++r) {
    file.dequantize_rows(info, llama_permuted_row(row_begin + r, head_dim), 1, dst + r * n);
  }
}

namespace {

constexpr std::pair<std::string_view, std::string_view> kTopNames[] = {
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"}};
constexpr std::pair<std::string_view, std::string_view> kLayerNames[] = {
    {"input_layernorm", "attn_norm"},    {"self_attn.q_proj", "attn_q"},
    {"self_attn.k_proj", "attn_k"},      {"self_attn.v_proj", "attn_v"},
    {"self_attn.o_proj", "attn_output"}, {"post_attention_layernorm", "ffn_norm"},
    {"mlp.gate_proj", "ffn_gate"},       {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"}};

// One tensor name rewritten between the conventions: `from` names the source side of each pair
// (true: GGUF -> HF). "<from prefix><layer>.<part><.weight|.bias>" becomes the same on the other
// side; top-level names map whole.
std::optional<std::string> rename_tensor(std::string_view name, bool from_gguf) {
  const auto source = [&](const auto& pair) { return from_gguf ? pair.second : pair.first; };
  const auto target = [&](const auto& pair) { return from_gguf ? pair.first : pair.second; };
  for (const auto& pair : kTopNames) {
    if (name == source(pair)) return std::string(target(pair));
  }
  const std::string_view prefix = from_gguf ? "blk." : "model.layers.";
  const std::string_view out_prefix = from_gguf ? "model.layers." : "blk.";
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = name.substr(prefix.size());
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9 || digits >= rest.size() || rest[digits] != '.') {
    return std::nullopt;
  }
  const std::string_view layer = rest.substr(0, digits);
  rest = rest.substr(digits + 1);
  for (const auto& pair : kLayerNames) {
    const std::string_view part = source(pair);
    if (rest.substr(0, part.size()) != part) continue;
    const std::string_view suffix = rest.substr(part.size());
    if (suffix != ".weight" && suffix != ".bias") continue;
    return std::string(out_prefix) + std::string(layer) + "." + std::string(target(pair)) +
           std::string(suffix);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> hf_tensor_name(std::string_view gguf_name) {
  return rename_tensor(gguf_name, true);
}

std::optional<std::string> gguf_tensor_name(std::string_view hf_name) {
  return rename_tensor(hf_name, false);
}

bool is_llama_permuted(std::string_view gguf_name) {
  const auto ends_with = [&](std::string_view s) {
    return gguf_name.size() >= s.size() && gguf_name.substr(gguf_name.size() - s.size()) == s;
  };
  return ends_with(".attn_q.weight") || ends_with(".attn_k.weight") || ends_with(".attn_q.bias") ||
         ends_with(".attn_k.bias");
}

}  // namespace attnscope
