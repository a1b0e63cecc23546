// GPT-Neo (GPTNeoModel / GPTNeoForCausalLM, e.g. TinyStories): GPT-2's pre-norm block with
// nn.Linear weights, learned positions, NO 1/sqrt(head_dim) score scaling, and per-layer
// attention kinds from attention_types: "global" layers see every earlier key, "local" layers
// the window_size keys i − W < j ≤ i (W − 1 earlier keys). q/k/v without bias, out_proj with.
#include "core/error.h"
#include "core/quote.h"
#include "io/json_file.h"
#include "model/archs/archs.h"

namespace attnscope {
namespace {

using namespace arch_helpers;
namespace cj = config_json;

// attention_types [[["global", "local"], 12]] -> one kind per layer, as GPTNeoConfig expands it.
std::vector<int64_t> layer_windows(const nlohmann::json& json, int64_t layers, int64_t window) {
  const auto bad = [&](const std::string& why) -> UnsupportedError {
    return UnsupportedError(
        "config.json sets attention_types = " + json_brief(json["attention_types"]) +
        ", which is not supported: " + why);
  };
  if (!json.contains("attention_types") || !json["attention_types"].is_array()) {
    throw ConfigError("attention_types", "missing or not a list");
  }
  std::vector<int64_t> windows;
  for (const nlohmann::json& item : json["attention_types"]) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_array() ||
        !item[1].is_number_integer() || item[1].get<int64_t>() < 0) {
      throw bad("each entry must be [[kinds...], repeat]");
    }
    for (int64_t r = 0; r < item[1].get<int64_t>(); ++r) {
      for (const nlohmann::json& kind : item[0]) {
        const std::string name = kind.is_string() ? kind.get<std::string>() : kind.dump();
        if (name == "global") {
          windows.push_back(kNoWindow);
        } else if (name == "local") {
          windows.push_back(window - 1);
        } else {
          throw bad("unknown attention kind " + quote(name) + " (known: global, local)");
        }
        if (static_cast<int64_t>(windows.size()) > layers) break;
      }
    }
  }
  if (static_cast<int64_t>(windows.size()) != layers) {
    throw ConfigError("attention_types", "gives " + std::to_string(windows.size()) +
                                             " layer kinds for num_layers " +
                                             std::to_string(layers));
  }
  return windows;
}

ModelConfig parse(const nlohmann::json& json) {
  ModelConfig c;
  set_identity(c, json, "gpt_neo");
  c.vocab_size = cj::get_int(json, "vocab_size");
  c.hidden_size = cj::get_int(json, "hidden_size");
  c.num_hidden_layers = cj::get_int(json, "num_layers");
  c.num_attention_heads = cj::get_int(json, "num_heads");
  c.num_key_value_heads = c.num_attention_heads;
  c.intermediate_size = cj::get_int(json, "intermediate_size", 4 * c.hidden_size);
  c.max_position_embeddings = cj::get_int(json, "max_position_embeddings", 2048);
  c.layer_norm_eps = cj::get_double(json, "layer_norm_epsilon", 1e-5);
  c.tie_word_embeddings = cj::get_bool(json, "tie_word_embeddings", true);
  c.hidden_act = cj::get_string(json, "activation_function", "gelu_new");
  c.activation = cj::get_activation(json, "activation_function", "gelu_new");
  c.pad_token_id = cj::get_optional_int(json, "pad_token_id");
  set_head_dim(c, json, HeadDim::kHiddenOverHeads);
  const int64_t window = cj::get_int(json, "window_size", 256);
  if (window < 1) throw ConfigError("window_size", "must be positive");
  if (c.num_hidden_layers > 0) c.layer_windows = layer_windows(json, c.num_hidden_layers, window);
  c.score_scale = ScoreScale::kNone;
  c.position = PositionKind::kAbsolute;
  c.causal = true;
  c.attn_out_bias = c.mlp_bias = true;
  c.final_norm = true;
  c.validate();
  return c;
}

ModelWeights load(WeightReader& reader, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size, inter = c.intermediate_size;
  ModelWeights w;
  w.token_embedding = reader.take("wte.weight", {c.vocab_size, hidden});
  w.position_embedding = reader.take("wpe.weight", {c.max_position_embeddings, hidden});
  w.layers.resize(c.num_hidden_layers);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    take_norm(reader, c, p + "ln_1", l.attn_norm_weight, l.attn_norm_bias);
    take_separate_qkv(reader, c, p + "attn.attention.q_proj", p + "attn.attention.k_proj",
                      p + "attn.attention.v_proj", false, l);
    take_linear(reader, p + "attn.attention.out_proj", hidden, c.q_dim(), true, l.attn_out_weight,
                l.attn_out_bias);
    take_norm(reader, c, p + "ln_2", l.mlp_norm_weight, l.mlp_norm_bias);
    take_linear(reader, p + "mlp.c_fc", inter, hidden, true, l.mlp_up_weight, l.mlp_up_bias);
    take_linear(reader, p + "mlp.c_proj", hidden, inter, true, l.mlp_down_weight, l.mlp_down_bias);
  }
  take_norm(reader, c, "ln_f", w.final_norm_weight, w.final_norm_bias);
  take_lm_head(reader, c, "lm_head.weight", w);
  return w;
}

}  // namespace

const ArchSpec& gpt_neo_arch() {
  static const ArchSpec spec = {
      .family = "gpt_neo",
      .architectures = {"GPTNeoForCausalLM", "GPTNeoModel"},
      .model_types = {"gpt_neo"},
      .base_prefix = "transformer",
      // Causal-mask buffers of old checkpoints; task heads.
      .ignored = {"*.attn.attention.bias", "*.attn.attention.masked_bias", "score.*",
                  "qa_outputs.*", "classifier.*"},
      .parse_config = parse,
      .load_weights = load,
      .example_config = R"({"architectures": ["GPTNeoForCausalLM"], "model_type": "gpt_neo",
        "vocab_size": 50, "hidden_size": 32, "intermediate_size": 64, "num_layers": 2,
        "num_heads": 4, "attention_types": [[["global", "local"], 1]], "window_size": 3,
        "max_position_embeddings": 40, "activation_function": "gelu_new"})",
  };
  return spec;
}

}  // namespace attnscope
