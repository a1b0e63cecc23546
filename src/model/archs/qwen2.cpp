// Qwen2: Llama's block with biases on the q, k, v projections (never on o_proj), usually tied
// embeddings in the small models, and Mistral's sliding window on every layer (transformers
// 4.40.2 eager attention ignores use_sliding_window and max_window_layers; see
// llama_family.cpp). Shared code in llama_family.cpp.
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

constexpr llama_family::Flavor kFlavor = {
    .family = "qwen2",
    .qkv_bias_always = true,
    .read_sliding_window = true,
    .rms_norm_eps_default = 1e-6,
    .max_position_embeddings_default = 32768,
    .num_key_value_heads_default = 32,
};

ModelConfig parse(const nlohmann::json& json) { return llama_family::parse(json, kFlavor); }

}  // namespace

const ArchSpec& qwen2_arch() {
  static const ArchSpec spec = {
      .family = "qwen2",
      .architectures = {"Qwen2ForCausalLM", "Qwen2Model"},
      .model_types = {"qwen2"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = llama_family::load,
      .example_config = R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "hidden_act": "silu", "tie_word_embeddings": true,
        "sliding_window": 4, "use_sliding_window": false, "max_window_layers": 1})",
  };
  return spec;
}

}  // namespace attnscope
