// Qwen2-MoE (Qwen2MoeForCausalLM): Qwen2's attention (q/k/v biases, GQA, the sliding window as
// 4.40.2's eager mask applies it) with a mixture of experts on every decoder_sparse_step-th
// layer (layer l iff (l + 1) % step == 0; the others a dense SwiGLU MLP of intermediate_size):
// p = softmax(gate(x)), the top num_experts_per_tok weighted by p (renormalised only with
// norm_topk_prob), plus shared_expert(x) · sigmoid(shared_expert_gate(x)).
#include "core/error.h"
#include "io/json_file.h"
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

namespace cj = config_json;

constexpr llama_family::Flavor kFlavor = {
    .family = "qwen2_moe",
    .qkv_bias_always = true,
    .read_sliding_window = true,
    .rms_norm_eps_default = 1e-6,
    .max_position_embeddings_default = 32768,
    .num_key_value_heads_default = 16,
};

ModelConfig parse(const nlohmann::json& json) {
  if (json.contains("mlp_only_layers") && json["mlp_only_layers"].is_array() &&
      !json["mlp_only_layers"].empty()) {
    arch_helpers::refuse_field(json, "mlp_only_layers",
                               "dense layers listed by index are not implemented");
  }
  ModelConfig c = llama_family::parse(json, kFlavor);
  c.mlp = MlpKind::kMoe;
  c.moe.num_experts = cj::get_int(json, "num_experts", 60);
  c.moe.top_k = cj::get_int(json, "num_experts_per_tok", 4);
  c.moe.expert_intermediate_size = cj::get_int(json, "moe_intermediate_size", 1408);
  c.moe.shared_expert_intermediate_size =
      cj::get_int(json, "shared_expert_intermediate_size", 5632);
  c.moe.sparse_step = cj::get_int(json, "decoder_sparse_step", 1);
  c.moe.weighting = cj::get_bool(json, "norm_topk_prob", false) ? ExpertWeighting::kRenormalised
                                                                : ExpertWeighting::kRaw;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size;
  const llama_family::ExpertNames names = {"gate_proj", "up_proj", "down_proj"};
  return llama_family::load_layers(
      reader, c, [&](const std::string& p, int64_t layer, LayerWeights& l) {
        llama_family::load_attention(reader, c, p, l);
        if (!c.layer_is_sparse(layer)) {
          llama_family::load_gated_mlp(reader, c, p, l);
          return;
        }
        const std::string mlp = p + "mlp.";
        l.router_weight = reader.take(mlp + "gate.weight", {c.moe.num_experts, hidden});
        l.experts.resize(c.moe.num_experts);
        for (int64_t e = 0; e < c.moe.num_experts; ++e) {
          llama_family::load_expert(reader, mlp + "experts." + std::to_string(e) + ".", names,
                                    hidden, c.moe.expert_intermediate_size, l.experts[e]);
        }
        if (c.moe.shared_expert_intermediate_size > 0) {
          llama_family::load_expert(reader, mlp + "shared_expert.", names, hidden,
                                    c.moe.shared_expert_intermediate_size, l.shared_expert);
          l.shared_expert_gate_weight = reader.take(mlp + "shared_expert_gate.weight", {1, hidden});
        }
      });
}

}  // namespace

const ArchSpec& qwen2_moe_arch() {
  static const ArchSpec spec = {
      .family = "qwen2_moe",
      .architectures = {"Qwen2MoeForCausalLM", "Qwen2MoeModel"},
      .model_types = {"qwen2_moe"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["Qwen2MoeForCausalLM"], "model_type": "qwen2_moe",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "hidden_act": "silu", "num_experts": 4,
        "num_experts_per_tok": 2, "moe_intermediate_size": 16,
        "shared_expert_intermediate_size": 24, "decoder_sparse_step": 2, "norm_topk_prob": false,
        "sliding_window": 5, "max_position_embeddings": 40})",
  };
  return spec;
}

}  // namespace attnscope
