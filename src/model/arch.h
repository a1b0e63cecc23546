// One ArchSpec per model family (src/model/archs/<family>.cpp): which config.json
// "architectures" / "model_type" strings it accepts, how it turns config.json into a
// ModelConfig (sizes + knobs), and how it maps the checkpoint's tensor names onto ModelWeights
// (shape checks and load-time transforms such as GPT-2's Conv1D transpose or GPT-NeoX's
// interleaved query_key_value split). Adding an architecture means one new file plus one line
// in archs/registry.cpp.
//
//   const ArchSpec& arch = find_arch(config_json);         // UnsupportedError lists the known ones
//   ModelConfig config = arch.parse_config(config_json);
//   WeightReader reader(source, std::string(arch.base_prefix), arch.ignored_tensors());
//   ModelWeights weights = arch.load_weights(reader, config);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/config.h"
#include "model/weight_reader.h"
#include "model/weights.h"

namespace attnscope {

struct ArchSpec {
  std::string_view family;                      // "llama"
  std::vector<std::string_view> architectures;  // "LlamaForCausalLM", "LlamaModel", ...
  std::vector<std::string_view> model_types;    // "llama"
  std::string_view base_prefix;                 // base model attribute: "model", "bert", ...
  std::vector<std::string_view> ignored;        // globs of tensors attention never needs
  // config.json -> validated ModelConfig. ConfigError naming the key.
  ModelConfig (*parse_config)(const nlohmann::json& config);
  // Tensors -> canonical weights, with shape checks and transforms.
  ModelWeights (*load_weights)(WeightReader& reader, const ModelConfig& config);
  // A small config.json of this family (tests build random models from it; docs show it).
  std::string_view example_config;

  std::vector<std::string> ignored_tensors() const { return {ignored.begin(), ignored.end()}; }
};

// Every supported family, in a stable order (archs/registry.cpp).
const std::vector<const ArchSpec*>& registered_archs();
// Picks the ArchSpec for a config.json: by "architectures"[0], else by "model_type".
// UnsupportedError listing the supported ones.
const ArchSpec& find_arch(const nlohmann::json& config);
// The ArchSpec of a family name ("gpt2"), UnsupportedError when unknown.
const ArchSpec& arch_by_family(std::string_view family);
// One line per family, for messages:
//   "  bert (model_type bert): BertModel, BertForMaskedLM, BertForPreTraining, +6 more\n"
std::string supported_architectures();

// What `arch` expects from a checkpoint with this config (names with the base prefix when
// `with_prefix`).
std::vector<ExpectedTensor> expected_tensors(const ArchSpec& arch, const ModelConfig& config,
                                             bool with_prefix);

}  // namespace attnscope
