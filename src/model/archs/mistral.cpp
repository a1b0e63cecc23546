// Mistral: Llama's block plus a sliding attention window (config "sliding_window"; a query sees
// itself and at most sliding_window earlier keys). Shared code in llama_family.cpp.
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

constexpr llama_family::Flavor kFlavor = {
    .family = "mistral",
    .read_sliding_window = true,
    .rms_norm_eps_default = 1e-6,
    .max_position_embeddings_default = 4096 * 32,
    .num_key_value_heads_default = 8,
};

ModelConfig parse(const nlohmann::json& json) { return llama_family::parse(json, kFlavor); }

}  // namespace

const ArchSpec& mistral_arch() {
  static const ArchSpec spec = {
      .family = "mistral",
      .architectures = {"MistralForCausalLM", "MistralModel"},
      .model_types = {"mistral"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = llama_family::load,
      .example_config = R"({"architectures": ["MistralForCausalLM"], "model_type": "mistral",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 1, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "hidden_act": "silu", "sliding_window": 5,
        "tie_word_embeddings": false})",
  };
  return spec;
}

}  // namespace attnscope
