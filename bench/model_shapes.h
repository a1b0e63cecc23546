// The real model shapes the bench file writers share (bench_make_checkpoint, bench_make_gguf):
// each a Hugging Face config.json, so the tensor list comes from the same ArchSpec a checkpoint
// is loaded with, and a random xorshift generator with the scale of trained weights.
//
//   const nlohmann::json config = nlohmann::json::parse(bench::kModelShapes.at("tinyllama"));
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace attnscope::bench {

inline const std::map<std::string, const char*> kModelShapes = {
    {"gpt2", R"({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
  "vocab_size": 50257, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": null,
  "n_positions": 1024, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"})"},
    {"bert", R"({"architectures": ["BertModel"], "model_type": "bert",
  "vocab_size": 30522, "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
  "num_attention_heads": 12, "max_position_embeddings": 512, "type_vocab_size": 2,
  "layer_norm_eps": 1e-12, "hidden_act": "gelu", "pad_token_id": 0})"},
    {"tinyllama", R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
  "vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22,
  "num_attention_heads": 32, "num_key_value_heads": 4, "max_position_embeddings": 8192,
  "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
  "tie_word_embeddings": false})"},
    {"mistral7b", R"({"architectures": ["MistralForCausalLM"], "model_type": "mistral",
  "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
  "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 32768,
  "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu", "sliding_window": 4096,
  "tie_word_embeddings": false})"},
};

// xorshift64* (deterministic, fast: a 1.1B-value file in seconds).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed | 1) {}
  uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  float uniform() {  // [-1, 1)
    const uint64_t bits = next() >> 40;
    return static_cast<float>(bits) * (2.0f / 16777216.0f) - 1.0f;
  }

 private:
  uint64_t state_;
};

}  // namespace attnscope::bench
