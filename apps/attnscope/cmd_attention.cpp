// attnscope attention: run a model on one input and write its attention (and optionally hidden
// states and logits) to a safetensors file in the golden-file layout:
//   input_ids I64 [T], attentions F32|F16 [layer, head, query_pos, key_pos] (the kept subset),
//   special_tokens_mask I64 [T] (with --text), hidden_states F32 [L+1, T, D], logits F32 [T, V];
// metadata: format, model, architecture, causal, layers, heads, text, tokens (JSON list).
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "io/gguf.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/attention_store.h"
#include "model/model.h"
#include "model/resolved_model.h"
#include "tokenizer/tokenizer.h"

namespace attnscope::cli {
namespace {

struct AttentionOptions {
  std::string model;
  std::string ids;
  std::string text;
  bool no_special_tokens = false;
  std::string out;
  std::string layers = "all";
  std::string heads = "all";
  std::string dtype = "f32";
  bool hidden_states = false;
  bool logits = false;
  std::string max_memory;
  bool force = false;
  bool has_text = false;  // --text was given (an empty text is a valid input: [CLS] [SEP], BOS)
};

std::string index_list(const std::vector<int>& values) {
  nlohmann::json list = values;
  return list.dump();
}

void run(const AttentionOptions& opt) {
  check_output_path(opt.out, opt.force);
  const ResolvedModel resolved = resolve_model(opt.model);
  const ModelConfig& config = run_config(resolved, "attention");
  const std::filesystem::path& folder = resolved.path;
  // Headers only (the weights are mapped, read in place by the forward pass): a folder without
  // weights is refused here, before the tokenizer or any weight is touched.
  // A GGUF file (mapped as it is) weighs its size.
  const bool gguf = resolved.kind == ModelKind::kGgufFile;
  std::optional<SafetensorsCheckpoint> checkpoint;
  if (!gguf) checkpoint.emplace(SafetensorsCheckpoint::open(folder.string()));
  const uint64_t weight_bytes =
      gguf ? std::filesystem::file_size(folder) : checkpoint->stored_bytes();

  std::vector<int64_t> ids;
  std::vector<std::string> tokens;
  std::vector<int64_t> special_mask;  // [T]; empty with --ids
  if (opt.has_text) {
    const Encoding encoding = Tokenizer::load(folder).encode(opt.text, !opt.no_special_tokens);
    ids = encoding.ids;
    tokens = encoding.tokens;
    special_mask.assign(encoding.special_mask.begin(), encoding.special_mask.end());
  } else {
    ids = parse_ids(opt.ids);
  }
  if (ids.empty()) throw InputError("the input has no tokens");

  KeepSpec keep;
  keep.layers = parse_index_spec(opt.layers, config.num_hidden_layers, "layer");
  keep.heads = parse_index_spec(opt.heads, config.num_attention_heads, "head");
  keep.dtype = opt.dtype == "f16" ? DType::kF16 : DType::kF32;
  const ForwardOptions forward_options{.hidden_states = opt.hidden_states, .logits = opt.logits};
  const auto tokens_count = static_cast<int64_t>(ids.size());
  enforce_memory_budget(config, 1, tokens_count, keep, forward_options,
                        memory_budget(opt.max_memory), weight_bytes, /*exact_weight_bytes=*/gguf);

  warn_past_trained_length(config, {tokens_count});
  const Model model =
      gguf ? Model::load_gguf(folder.string())
           : Model::from_source(resolved.config_json, CheckpointSource(std::move(*checkpoint)));
  for (const auto& name : model.unused_tensors()) {
    std::cerr << "attnscope: warning: unused tensor '" << name << "'\n";
  }
  AttentionStore store(keep);
  AttentionObserver* observers[] = {&store};
  const ForwardResult result = model.forward(ForwardInput::single(ids), observers, forward_options);

  SafetensorsWriter writer;
  writer.add_i64("input_ids", {tokens_count}, ids);
  // The `special` figure needs it: without it analyze --attentions would differ from analyze
  // --model on the same text.
  if (!special_mask.empty()) writer.add_i64("special_tokens_mask", {tokens_count}, special_mask);
  Tensor attentions = store.sequence(0);  // [kept_layer, kept_head, query_pos, key_pos]
  const Shape attentions_shape = attentions.shape();
  if (keep.dtype == DType::kF32) {
    writer.add_f32("attentions", std::move(attentions));  // no copy of the values
  } else {
    writer.add_f32("attentions", attentions, keep.dtype);
  }
  if (opt.hidden_states) {
    Tensor hidden = result.hidden_states;  // [1, L+1, T, D] -> [L+1, T, D]
    hidden.reshape({hidden.dim(1), hidden.dim(2), hidden.dim(3)});
    writer.add_f32("hidden_states", hidden);
  }
  if (opt.logits) {
    Tensor logits = result.logits;  // [1, T, V] -> [T, V]
    logits.reshape({logits.dim(1), logits.dim(2)});
    writer.add_f32("logits", logits);
  }
  writer.set_metadata("format", "attnscope-attention/1");
  writer.set_metadata("model", opt.model);
  writer.set_metadata("model_type", config.model_type);
  writer.set_metadata("architecture", config.architecture);
  writer.set_metadata("causal", config.causal ? "true" : "false");
  writer.set_metadata("layers", index_list(store.layers()));
  writer.set_metadata("heads", index_list(store.heads()));
  if (opt.has_text) {
    writer.set_metadata("text", opt.text);
    writer.set_metadata("tokens", nlohmann::json(tokens).dump());
  }
  writer.write(opt.out);
  std::cerr << "wrote " << opt.out << ": attentions " << format_shape(attentions_shape) << " "
            << opt.dtype << " for " << tokens_count
            << (tokens_count == 1 ? " token\n" : " tokens\n");
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<AttentionOptions>();
  auto* cmd = app.add_subcommand(
      "attention", "Run a model and write its attention probabilities to a safetensors file");
  cmd->add_option("--model,-m", opt->model, kModelHelp)->required();
  auto* ids = cmd->add_option("--ids", opt->ids, "Token ids, comma-separated (e.g. 1,2,3)");
  auto* text = cmd->add_option("--text", opt->text, "Text, tokenized with the model's tokenizer");
  ids->excludes(text);
  cmd->add_flag("--no-special-tokens", opt->no_special_tokens,
                "With --text: do not add the tokenizer's special tokens (BOS, [CLS], ...)");
  cmd->add_option("--out,-o", opt->out, "Output .safetensors file")->required();
  cmd->add_option("--layers", opt->layers, "Layers to keep: all, or e.g. 0,2,5-7");
  cmd->add_option("--heads", opt->heads, "Heads to keep (in every kept layer): all, or e.g. 0-3");
  cmd->add_option("--dtype", opt->dtype, "Stored attention dtype")
      ->check(CLI::IsMember({"f32", "f16"}));
  cmd->add_flag("--hidden-states", opt->hidden_states, "Also write hidden_states [L+1, T, D]");
  cmd->add_flag("--logits", opt->logits, "Also write logits [T, V] (causal LMs)");
  cmd->add_option("--max-memory", opt->max_memory,
                  "Refuse runs needing more than this (e.g. 8G; default 75% of RAM)");
  cmd->add_flag("--force", opt->force, "Replace --out if it exists");
  cmd->callback([opt, ids, text] {
    opt->has_text = text->count() > 0;
    if ((ids->count() > 0) == opt->has_text) {
      throw InputError("give exactly one of --ids or --text");
    }
    run(*opt);
  });
}

const Registration kAttention{"attention", 20, setup};

}  // namespace
}  // namespace attnscope::cli
