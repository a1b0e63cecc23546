// Gemma (v1): Llama's block with RMSNorm scaled by (1 + weight) (folded in at load), embeddings
// multiplied by sqrt(hidden_size), a gated MLP whose activation is hidden_activation (GELU-tanh
// when absent or null; hidden_act is ignored, as in transformers 4.40.2), an explicit head_dim,
// tied embeddings and optional q/k/v/o biases (attention_bias). Shared code in llama_family.cpp.
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

using arch_helpers::refuse_field;

constexpr llama_family::Flavor kFlavor = {
    .family = "gemma",
    .tie_word_embeddings_default = true,
    .read_attention_bias = true,
    .scale_embeddings = true,
    .activation_key = "hidden_activation",
    .activation_default = "gelu_pytorch_tanh",
    .rms_norm_eps_default = 1e-6,
    .max_position_embeddings_default = 8192,
    .num_key_value_heads_default = 16,
    .head_dim_default = 256,
};

ModelConfig parse(const nlohmann::json& json) {
  // Gemma 2 fields: each changes the attention or the logits, and Gemma 2 is not supported.
  refuse_field(json, "attn_logit_softcapping", "Gemma 2 caps attention scores with tanh");
  refuse_field(json, "final_logit_softcapping", "Gemma 2 caps the logits with tanh");
  refuse_field(json, "query_pre_attn_scalar", "Gemma 2 scales scores by query_pre_attn_scalar");
  return llama_family::parse(json, kFlavor);
}

// GemmaRMSNorm scales by (1 + w): folded into the weights as they are read (the same f32 sum
// HF computes in every forward), so the forward pass runs a plain RMSNorm.
ModelWeights load(WeightReader& reader, const ModelConfig& config) {
  ModelWeights w = llama_family::load(reader, config);
  const auto plus_one = [](Tensor& t) { t = arch_helpers::plus_one(t); };
  for (LayerWeights& l : w.layers) {
    plus_one(l.attn_norm_weight);
    plus_one(l.mlp_norm_weight);
  }
  plus_one(w.final_norm_weight);
  return w;
}

}  // namespace

const ArchSpec& gemma_arch() {
  static const ArchSpec spec = {
      .family = "gemma",
      .architectures = {"GemmaForCausalLM", "GemmaModel"},
      .model_types = {"gemma"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["GemmaForCausalLM"], "model_type": "gemma",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 12,
        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_activation": "gelu_pytorch_tanh"})",
  };
  return spec;
}

}  // namespace attnscope
