// The list of supported architectures, in the order `find_arch` tries them and error messages
// list them.
#include <algorithm>

#include "core/error.h"
#include "core/quote.h"
#include "model/arch.h"
#include "model/archs/archs.h"

// Adding a family: write archs/<family>.cpp defining `const ArchSpec& <family>_arch()` (CMake
// compiles every file under archs/), then add its one line here. Each line declares the accessor
// and registers it.
#define ATTNSCOPE_ARCHS(FAMILY) \
  FAMILY(bert)                  \
  FAMILY(roberta)               \
  FAMILY(distilbert)            \
  FAMILY(gpt2)                  \
  FAMILY(gpt_neox)              \
  FAMILY(llama)                 \
  FAMILY(mistral)               \
  FAMILY(qwen2)                 \
  FAMILY(gemma)                 \
  FAMILY(gpt_neo)               \
  FAMILY(gptj)                  \
  FAMILY(opt)                   \
  FAMILY(phi)                   \
  FAMILY(phi3)                  \
  FAMILY(olmo)                  \
  FAMILY(stablelm)              \
  FAMILY(starcoder2)            \
  FAMILY(bloom)                 \
  FAMILY(falcon)                \
  FAMILY(mixtral)               \
  FAMILY(qwen2_moe)

namespace attnscope {

#define ATTNSCOPE_DECLARE_ARCH(family) const ArchSpec& family##_arch();
ATTNSCOPE_ARCHS(ATTNSCOPE_DECLARE_ARCH)
#undef ATTNSCOPE_DECLARE_ARCH

const std::vector<const ArchSpec*>& registered_archs() {
#define ATTNSCOPE_LIST_ARCH(family) &family##_arch(),
  static const std::vector<const ArchSpec*> archs = {ATTNSCOPE_ARCHS(ATTNSCOPE_LIST_ARCH)};
#undef ATTNSCOPE_LIST_ARCH
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
