// The list of supported architectures. Add a new family here (one line) after writing its
// archs/<family>.cpp.
#include <algorithm>

#include "core/error.h"
#include "core/quote.h"
#include "model/arch.h"
#include "model/archs/archs.h"

namespace attnscope {

const std::vector<const ArchSpec*>& registered_archs() {
  static const std::vector<const ArchSpec*> archs = {
      &bert_arch(),      &roberta_arch(),    &distilbert_arch(), &gpt2_arch(),   &gpt_neox_arch(),
      &llama_arch(),     &mistral_arch(),    &qwen2_arch(),      &gemma_arch(),  &gpt_neo_arch(),
      &gptj_arch(),      &opt_arch(),        &phi_arch(),        &phi3_arch(),   &olmo_arch(),
      &stablelm_arch(),  &starcoder2_arch(), &bloom_arch(),      &falcon_arch(), &mixtral_arch(),
      &qwen2_moe_arch(),
  };
  return archs;
}

std::string supported_architectures() {
  constexpr size_t kShown = 3;  // classes named per family; the rest are counted
  std::string out;
  for (const ArchSpec* arch : registered_archs()) {
    out += "  " + std::string(arch->family) + " (model_type";
    for (std::string_view type : arch->model_types) out += " " + std::string(type);
    out += "):";
    const size_t count = arch->architectures.size();
    for (size_t i = 0; i < std::min(count, kShown); ++i) {
      out += (i == 0 ? " " : ", ") + std::string(arch->architectures[i]);
    }
    if (count > kShown) out += ", +" + std::to_string(count - kShown) + " more";
    out += "\n";
  }
  return out;
}

const ArchSpec& find_arch(const nlohmann::json& config) {
  std::string architecture;
  if (config.is_object() && config.contains("architectures") &&
      config["architectures"].is_array() && !config["architectures"].empty() &&
      config["architectures"][0].is_string()) {
    architecture = config["architectures"][0].get<std::string>();
  }
  const std::string model_type = config_json::get_string(config, "model_type", "");
  for (const ArchSpec* arch : registered_archs()) {
    for (std::string_view name : arch->architectures) {
      if (name == architecture) return *arch;
    }
  }
  // An unlisted head class of a known family (e.g. LlamaForSequenceClassification): the base
  // model is what attention needs.
  for (const ArchSpec* arch : registered_archs()) {
    for (std::string_view name : arch->model_types) {
      if (name == model_type) return *arch;
    }
  }
  std::string message = "unsupported architecture " + quote(architecture) + " (model_type " +
                        quote(model_type) +
                        "). Supported families (any architecture class of these model_type "
                        "values loads):\n" +
                        supported_architectures();
  message.pop_back();  // the last line's newline
  throw UnsupportedError(message);
}

const ArchSpec& arch_by_family(std::string_view family) {
  for (const ArchSpec* arch : registered_archs()) {
    if (arch->family == family) return *arch;
  }
  std::string families;
  for (const ArchSpec* arch : registered_archs()) {
    families += (families.empty() ? "" : ", ") + std::string(arch->family);
  }
  throw UnsupportedError("unknown model family '" + std::string(family) + "'; known: " + families);
}

std::vector<ExpectedTensor> expected_tensors(const ArchSpec& arch, const ModelConfig& config,
                                             bool with_prefix) {
  WeightReader reader = WeightReader::recording(std::string(arch.base_prefix), with_prefix);
  arch.load_weights(reader, config);
  return reader.recorded();
}

}  // namespace attnscope
