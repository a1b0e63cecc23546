// Phi-3 (Phi3ForCausalLM): Llama's block (RMSNorm, rotate-half rotary on whole heads, SiLU-gated
// MLP, no biases) with fused projections, split when the weights are read: qkv_proj rows are
// [q (heads·head_dim) | k | v] (already our layout) and gate_up_proj rows are [gate | up]. An
// optional sliding_window as Mistral's. Long-context rope_scaling (su / longrope) is refused.
#include "core/error.h"
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

constexpr llama_family::Flavor kFlavor = {
    .family = "phi3",
    .rms_norm_eps_default = 1e-5,
    .max_position_embeddings_default = 4096,
};

ModelConfig parse(const nlohmann::json& json) {
  refuse_field(json, "rope_scaling",
               "Phi-3's long-context rotary scaling (su / longrope) is not implemented");
  ModelConfig c = llama_family::parse(json, kFlavor);
  // Phi3Config: sliding_window null (or absent) = no window; else a query sees itself and that
  // many earlier keys (4.41 eager mask, as Mistral).
  c.sliding_window = cj::get_int(json, "sliding_window", 0);
  if (c.sliding_window < 0) throw ConfigError("sliding_window", "must be positive or null");
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  return llama_family::load_layers(reader, c, [&](const std::string& p, int64_t, LayerWeights& l) {
    l.qkv_weight = reader.take(p + "self_attn.qkv_proj.weight", {c.qkv_dim(), hidden});
    l.attn_out_weight = reader.take(p + "self_attn.o_proj.weight", {hidden, c.q_dim()});
    // The fused gate_up_proj is read in place: its first and second halves of rows.
    const Weight gate_up = reader.take(p + "mlp.gate_up_proj.weight", {2 * inter, hidden});
    l.mlp_gate_weight = gate_up.select_rows({{0, inter}});
    l.mlp_up_weight = gate_up.select_rows({{inter, inter}});
    l.mlp_down_weight = reader.take(p + "mlp.down_proj.weight", {hidden, inter});
  });
}

}  // namespace

const ArchSpec& phi3_arch() {
  static const ArchSpec spec = {
      .family = "phi3",
      .architectures = {"Phi3ForCausalLM", "Phi3Model"},
      .model_types = {"phi3"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["Phi3ForCausalLM"], "model_type": "phi3",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "hidden_act": "silu", "max_position_embeddings": 40,
        "sliding_window": 5, "rope_scaling": null})",
  };
  return spec;
}

}  // namespace attnscope
