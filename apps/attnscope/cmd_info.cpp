// attnscope info: what a model is (parsed config, architecture, parameters, stored dtype) and
// what capturing attention for T tokens would cost in memory — without loading the weights.
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "core/memory.h"
#include "io/gguf.h"
#include "io/safetensors.h"
#include "model/arch.h"
#include "model/resolved_model.h"
#include "report/gguf_info.h"
#include "report/model_description.h"

namespace attnscope::cli {
namespace {

struct InfoOptions {
  std::string model;
  std::vector<int64_t> tokens{128, 512, 1024, 4096};
  std::string format = "table";
};

void run(const InfoOptions& opt) {
  const ResolvedModel model = resolve_model(opt.model);
  if (model.kind == ModelKind::kGgufFile) {
    const GgufFile file(model.path.string());
    if (opt.format == "json") {
      std::cout << report::gguf_info_json(file, opt.tokens).dump(2) << "\n";
    } else {
      report::write_gguf_info(std::cout, file, opt.tokens);
    }
    return;
  }
  const std::filesystem::path& folder = model.path;
  const ModelConfig& config = *model.config;
  const ArchSpec& arch = arch_by_family(config.family);

  int64_t parameters = 0;
  for (const auto& t : expected_tensors(arch, config, false)) parameters += shape_numel(t.shape);

  const auto checkpoint = SafetensorsCheckpoint::open(folder.string());
  std::map<std::string, int64_t> dtype_elements;  // stored dtype -> elements
  uint64_t stored_bytes = 0;
  const uint64_t file_bytes = checkpoint.stored_bytes();
  for (const auto& name : checkpoint.names()) {
    const TensorInfo& info = checkpoint.get(name);
    dtype_elements[std::string(dtype_name(info.dtype))] += info.numel();
    stored_bytes += info.data_end - info.data_begin;
  }

  nlohmann::ordered_json costs = nlohmann::ordered_json::array();
  for (int64_t t : opt.tokens) {
    if (t <= 0) throw InputError("--tokens: " + std::to_string(t) + " is not a positive length");
    // The same figures the memory guard of `attention` uses (weights as the mapped files).
    const auto all = estimate_forward_memory(config, 1, t, KeepSpec{}, {}, file_bytes);
    KeepSpec half;
    half.dtype = DType::kF16;
    const auto f16 = estimate_forward_memory(config, 1, t, half, {}, file_bytes);
    // analyze, importance raw/rollout and probes stream attention by blocks of query rows.
    const uint64_t streamed = forward_activation_bytes(config, 1, t, AttentionBuffer::kRowBlocks);
    costs.push_back({{"tokens", t},
                     {"attention_f32_bytes", all.attention_kept},
                     {"attention_f16_bytes", f16.attention_kept},
                     {"activation_bytes", all.activations},
                     {"weights_bytes", all.weights},
                     {"streaming_activation_bytes", streamed},
                     {"streaming_total_bytes", add_saturated(all.weights, streamed)},
                     {"total_f32_bytes", all.total()}});
  }

  if (opt.format == "json") {
    nlohmann::ordered_json out;
    out["model"] = opt.model;
    out["folder"] = folder.string();
    out["family"] = config.family;
    out["architecture"] = config.architecture;
    out["model_type"] = config.model_type;
    out["causal"] = config.causal;
    out["num_hidden_layers"] = config.num_hidden_layers;
    out["num_attention_heads"] = config.num_attention_heads;
    out["num_key_value_heads"] = config.num_key_value_heads;
    out["hidden_size"] = config.hidden_size;
    out["head_dim"] = config.head_dim;
    out["vocab_size"] = config.vocab_size;
    out["max_position_embeddings"] = config.max_position_embeddings;
    out["rope_scaling"] = config.rope_scaling.to_json();    // null when none
    out["block"] = report::block_description_json(config);  // the knobs the text format shows
    out["parameters"] = parameters;
    out["stored_dtypes"] = dtype_elements;
    out["stored_bytes"] = stored_bytes;
    out["capture_cost"] = costs;
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "model:        " << opt.model << "\nfolder:       " << folder.string() << "\n"
            << config.describe() << "\nparameters:   " << parameters << " ("
            << format_bytes(static_cast<uint64_t>(parameters) * 4) << " as f32)\n"
            << "stored as:    ";
  bool first = true;
  for (const auto& [dtype, n] : dtype_elements) {
    std::cout << (first ? "" : ", ") << dtype << " (" << n << " values)";
    first = false;
  }
  std::cout << ", " << format_bytes(stored_bytes) << " on disk\n\n"
            << "capturing attention of every layer and head (L x H x T x T):\n";
  for (const auto& c : costs) {
    std::cout << "  T = " << c["tokens"].get<int64_t>() << ": "
              << format_bytes(c["attention_f32_bytes"].get<uint64_t>()) << " as f32, "
              << format_bytes(c["attention_f16_bytes"].get<uint64_t>()) << " as f16; run total "
              << format_bytes(c["total_f32_bytes"].get<uint64_t>()) << "\n";
  }
  std::cout << "\nmemory of a run (weights mapped as stored, " << format_bytes(file_bytes)
            << ", + the forward pass's working memory; analyze streams blocks of query rows, "
               "attention keeps all):\n";
  for (const auto& c : costs) {
    std::cout << "  T = " << c["tokens"].get<int64_t>() << ": analyze "
              << format_bytes(c["streaming_total_bytes"].get<uint64_t>()) << ", attention "
              << format_bytes(c["total_f32_bytes"].get<uint64_t>()) << "\n";
  }
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<InfoOptions>();
  auto* cmd = app.add_subcommand(
      "info", "Show a model's configuration, size and the memory cost of capturing attention");
  cmd->add_option("--model,-m", opt->model, kModelHelp)->required();
  cmd->add_option("--tokens", opt->tokens, "Sequence lengths to cost (default 128 512 1024 4096)")
      ->delimiter(',');
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->callback([opt] { run(*opt); });
}

const Registration kInfo{"info", 10, setup};

}  // namespace
}  // namespace attnscope::cli
