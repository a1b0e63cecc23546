// Llama (LlamaModel / LlamaForCausalLM): pre-norm RMSNorm, rotary positions, SiLU-gated MLP,
// grouped-query attention; optional attention_bias / mlp_bias. Shared code in llama_family.cpp.
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

constexpr llama_family::Flavor kFlavor = {
    .family = "llama",
    .read_attention_bias = true,
    .read_mlp_bias = true,
    .rms_norm_eps_default = 1e-6,
};

ModelConfig parse(const nlohmann::json& json) { return llama_family::parse(json, kFlavor); }

}  // namespace

const ArchSpec& llama_arch() {
  static const ArchSpec spec = {
      .family = "llama",
      .architectures = {"LlamaForCausalLM", "LlamaModel"},
      .model_types = {"llama"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = llama_family::load,
      .example_config = R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": false})",
  };
  return spec;
}

}  // namespace attnscope
