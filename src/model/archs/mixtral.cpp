// Mixtral (MixtralForCausalLM): Mistral's attention (GQA, optional sliding window) with a sparse
// mixture of experts as every MLP: p = softmax(gate(x)) in f32, the num_experts_per_tok largest
// kept and renormalised to sum 1, out = Σ p_e · w2(silu(w1 x) · w3 x).
#include "core/error.h"
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

namespace cj = config_json;

constexpr llama_family::Flavor kFlavor = {
    .family = "mixtral",
    .read_sliding_window = true,
    .sliding_window_default = 0,  // MixtralConfig: None
    .rms_norm_eps_default = 1e-5,
    .rope_theta_default = 1e6,
    .max_position_embeddings_default = 4096 * 32,
    .num_key_value_heads_default = 8,
};

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c = llama_family::parse(json, kFlavor);
  c.mlp = MlpKind::kMoe;
  c.moe.num_experts = cj::get_int(json, "num_local_experts", 8);
  c.moe.top_k = cj::get_int(json, "num_experts_per_tok", 2);
  c.moe.expert_intermediate_size = c.intermediate_size;
  c.moe.weighting = ExpertWeighting::kRenormalised;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size;
  return llama_family::load_layers(reader, c, [&](const std::string& p, int64_t, LayerWeights& l) {
    llama_family::load_attention(reader, c, p, l);
    const std::string moe = p + "block_sparse_moe.";
    l.router_weight = reader.take(moe + "gate.weight", {c.moe.num_experts, hidden});
    l.experts.resize(c.moe.num_experts);
    for (int64_t e = 0; e < c.moe.num_experts; ++e) {
      llama_family::load_expert(reader, moe + "experts." + std::to_string(e) + ".",
                                {"w1", "w3", "w2"}, hidden, c.moe.expert_intermediate_size,
                                l.experts[e]);
    }
  });
}

}  // namespace

const ArchSpec& mixtral_arch() {
  static const ArchSpec spec = {
      .family = "mixtral",
      .architectures = {"MixtralForCausalLM", "MixtralModel"},
      .model_types = {"mixtral"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["MixtralForCausalLM"], "model_type": "mixtral",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 24, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
        "rope_theta": 1000000.0, "hidden_act": "silu", "num_local_experts": 4,
        "num_experts_per_tok": 2, "sliding_window": null, "max_position_embeddings": 40})",
  };
  return spec;
}

}  // namespace attnscope
