// OLMo (OlmoForCausalLM): Llama's block with a non-parametric LayerNorm ((x − mean) / std, eps
// 1e-5 fixed, no tensors in the checkpoint) before attention, before the MLP and at the end, and
// clip_qkv: q, k and v projections clamped to [−clip_qkv, clip_qkv] before rotary.
#include "core/error.h"
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

namespace cj = config_json;

constexpr llama_family::Flavor kFlavor = {
    .family = "olmo",
    .read_attention_bias = true,
};

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c = llama_family::parse(json, kFlavor);
  c.norm = NormKind::kLayerNorm;
  c.norm_affine = NormAffine::kNone;
  c.layer_norm_eps = 1e-5;  // OlmoLayerNorm: fixed in code
  c.clip_qkv = cj::get_double(json, "clip_qkv", 0.0);
  if (cj::has(json, "clip_qkv") && !(c.clip_qkv > 0.0)) {
    throw ConfigError("clip_qkv", "must be positive or null");
  }
  c.validate();
  return c;
}

}  // namespace

const ArchSpec& olmo_arch() {
  static const ArchSpec spec = {
      .family = "olmo",
      .architectures = {"OlmoForCausalLM", "OlmoModel"},
      .model_types = {"olmo"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = llama_family::load,
      .example_config = R"({"architectures": ["OlmoForCausalLM"], "model_type": "olmo",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "rope_theta": 10000.0, "hidden_act": "silu",
        "max_position_embeddings": 40, "clip_qkv": 0.5, "attention_bias": false})",
  };
  return spec;
}

}  // namespace attnscope
