// StarCoder2 (Starcoder2ForCausalLM): LayerNorm with bias (norm_epsilon), biases on q/k/v/o and
// on the MLP c_fc / c_proj (use_bias), GELU-tanh MLP, rotate-half rotary on whole heads, GQA, and
// Mistral's sliding window (the query and sliding_window earlier keys).
#include "core/error.h"
#include "model/archs/archs.h"
#include "model/archs/llama_family.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "starcoder2");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size");
  c.num_hidden_layers = cj::get_int(json, "num_hidden_layers");
  c.num_attention_heads = cj::get_int(json, "num_attention_heads");
  c.num_key_value_heads = cj::get_int(json, "num_key_value_heads", 2);
  c.intermediate_size = cj::get_int(json, "intermediate_size");
  c.max_position_embeddings = cj::get_int(json, "max_position_embeddings", 4096);
  c.layer_norm_eps = cj::get_double(json, "norm_epsilon", 1e-5);
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", true);
  c.hidden_act = cj::get_string(json, "hidden_act", "gelu_pytorch_tanh");
  c.activation = cj::get_activation(json, "hidden_act", "gelu_pytorch_tanh");
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  c.rope_theta = cj::get_double(json, "rope_theta", 10000.0);
  c.sliding_window = cj::get_int(json, "sliding_window", 0);  // null / absent: none
  if (c.sliding_window < 0) throw ConfigError("sliding_window", "must be positive or null");
  c.position = PositionKind::kRotary;
  const bool bias = cj::get_bool(json, "use_bias", true);
  c.qkv_bias = c.attn_out_bias = c.mlp_bias = bias;
  c.causal = true;
  c.final_norm = true;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  return llama_family::load_layers(reader, c, [&](const std::string& p, int64_t, LayerWeights& l) {
    llama_family::load_attention(reader, c, p, l);
    take_linear(reader, p + "mlp.c_fc", inter, hidden, c.mlp_bias, l.mlp_up_weight, l.mlp_up_bias);
    take_linear(reader, p + "mlp.c_proj", hidden, inter, c.mlp_bias, l.mlp_down_weight,
                l.mlp_down_bias);
  });
}

}  // namespace

const ArchSpec& starcoder2_arch() {
  static const ArchSpec spec = {
      .family = "starcoder2",
      .architectures = {"Starcoder2ForCausalLM", "Starcoder2Model"},
      .model_types = {"starcoder2"},
      .base_prefix = llama_family::kBasePrefix,
      .ignored = llama_family::kIgnored,
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["Starcoder2ForCausalLM"], "model_type": "starcoder2",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "norm_epsilon": 1e-5,
        "hidden_act": "gelu_pytorch_tanh", "max_position_embeddings": 40, "sliding_window": 3,
        "use_bias": true})",
  };
  return spec;
}

}  // namespace attnscope
