// attnscope attention: run a model on one input and write its attention (and optionally hidden
// states and logits) to a safetensors file in the golden-file layout:
//   input_ids I64 [T], attentions F32|F16 [layer, head, query_pos, key_pos] (the kept subset),
//   special_tokens_mask I64 [T] (with --text), hidden_states F32 [L+1, T, D], logits F32 [T, V];
// metadata: format, model, architecture, causal, layers, heads, text, tokens (JSON list).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "analysis/attention_file.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/progress.h"
#include "io/gguf.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/attention_store.h"
#include "model/forward_memory.h"
#include "model/model.h"
#include "model/resolved_model.h"
#include "report/attention_writer.h"
#include "tokenizer/tokenizer.h"

namespace attnscope::cli {
namespace {

struct AttentionOptions {
  std::string model;
  std::string ids;
  std::string text;
  std::string input;     // --input FILE: one text (a file, or a .jsonl with one record)
  int64_t truncate = 0;  // --truncate N: keep the first N tokens; 0 = off
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

// The forward pass's working memory (one layer's attention, activations, hidden states and
// logits when asked) against the budget; the attention itself goes to the file.
void enforce_streamed_attention_budget(const ModelConfig& config, int64_t tokens,
                                       const ForwardOptions& options, uint64_t budget,
                                       uint64_t weight_bytes, bool exact_weight_bytes) {
  const auto need = [&](int64_t t) {
    MemoryEstimate m = estimate_forward_memory(config, 1, t, KeepSpec{}, options, weight_bytes,
                                               exact_weight_bytes);
    m.attention_kept = 0;
    return m;
  };
  const MemoryEstimate m = need(tokens);
  if (m.total() <= budget) return;
  if (m.weights >= budget) {
    throw LimitError("the model's weights alone need " + format_bytes(m.weights) +
                     " as stored, above the memory budget of " + format_bytes(budget) +
                     " (--max-memory); raise --max-memory");
  }
  int64_t lo = 0, hi = tokens;  // the longest input that fits, by bisection
  while (lo < hi) {
    const int64_t mid = (lo + hi + 1) / 2;
    if (need(mid).total() <= budget)
      lo = mid;
    else
      hi = mid - 1;
  }
  if (const auto limit = max_input_tokens(config)) lo = std::min(lo, *limit);
  std::string fits;
  if (options.hidden_states || options.logits) fits += "without --hidden-states / --logits; ";
  if (lo > 0) fits += "an input of at most " + std::to_string(lo) + " tokens; ";
  throw LimitError("capturing " + std::to_string(tokens) + " tokens needs " +
                   format_bytes(m.total()) + " (" + m.describe() +
                   "; the attention itself is written to the file layer by layer), above the "
                   "memory budget of " +
                   format_bytes(budget) + " (--max-memory). What would fit: " + fits +
                   "a larger --max-memory");
}

// The file's size against the free space of its folder, before any work.
void check_free_space(const std::string& out, uint64_t attention_bytes) {
  std::error_code ec;
  const std::filesystem::path p(out);
  const auto info = std::filesystem::space(
      p.has_parent_path() ? p.parent_path() : std::filesystem::path("."), ec);
  if (ec || info.available >= attention_bytes) return;
  throw LimitError("--out " + out + ": the attention needs " + format_bytes(attention_bytes) +
                   " on disk and its folder has " + format_bytes(info.available) +
                   " free; keep fewer --layers / --heads, use --dtype f16 or bf16, or a shorter "
                   "input");
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
  const std::string text = one_input(opt.text, opt.input, "attention").text;
  if (opt.has_text) {
    const Encoding encoding = Tokenizer::load(folder).encode(text, !opt.no_special_tokens);
    ids = encoding.ids;
    tokens = encoding.tokens;
    special_mask.assign(encoding.special_mask.begin(), encoding.special_mask.end());
  } else {
    ids = parse_ids(opt.ids);
  }
  if (ids.empty()) throw InputError("the input has no tokens");
  // Longer than the model's position table: cut with --truncate, else a clear error.
  if (opt.truncate > 0 && static_cast<int64_t>(ids.size()) > opt.truncate) {
    ids.resize(opt.truncate);
    if (!tokens.empty()) tokens.resize(opt.truncate);
    if (!special_mask.empty()) special_mask.resize(opt.truncate);
  }
  check_position_limit(config, {static_cast<int64_t>(ids.size())});

  KeepSpec keep;
  keep.layers = parse_index_spec(opt.layers, config.num_hidden_layers, "layer");
  keep.heads = parse_index_spec(opt.heads, config.num_attention_heads, "head");
  const DType file_dtype = report::parse_attention_dtype(opt.dtype);
  const ForwardOptions forward_options{.hidden_states = opt.hidden_states, .logits = opt.logits};
  const auto tokens_count = static_cast<int64_t>(ids.size());
  // The attention goes to the file layer by layer as it is computed: memory is one layer (the
  // forward pass's) plus the hidden states and logits asked for, never the file's L·H·T².
  const uint64_t budget = memory_budget(opt.max_memory);
  enforce_streamed_attention_budget(config, tokens_count, forward_options, budget, weight_bytes,
                                    /*exact_weight_bytes=*/gguf);
  const Shape attentions_shape{static_cast<int64_t>(keep.layers.size()),
                               static_cast<int64_t>(keep.heads.size()), tokens_count, tokens_count};
  check_free_space(opt.out,
                   static_cast<uint64_t>(shape_numel(attentions_shape)) * dtype_size(file_dtype));

  warn_past_trained_length(config, {tokens_count});
  const Model model =
      gguf ? Model::load_gguf(folder.string())
           : Model::from_source(resolved.config_json, CheckpointSource(std::move(*checkpoint)));
  for (const auto& name : model.unused_tensors()) {
    std::cerr << "attnscope: warning: unused tensor '" << name << "'\n";
  }

  // Tensors are laid out in name order, so "attentions" is written first, while the forward
  // pass runs; hidden_states and logits come from its result after it.
  SafetensorsWriter writer;
  ForwardResult result;
  bool ran = false;
  writer.add_streamed("attentions", file_dtype, attentions_shape, [&](const auto& sink) {
    report::AttentionLayerWriter layers(keep, file_dtype, config, sink);
    Progress progress("attention", config.num_hidden_layers);
    LayerProgress counter(progress);
    AttentionObserver* observers[] = {&layers, &counter};
    result = model.forward(ForwardInput::single(ids), observers, forward_options);
    ran = true;
  });
  const auto after_forward = [&](const Tensor& t) {
    return [&t, &ran](const SafetensorsWriter::ByteSink& sink) {
      if (!ran) throw InputError("internal: the forward pass has not run");
      sink(std::as_bytes(t.values()));
    };
  };
  writer.add_i64("input_ids", {tokens_count}, ids);
  // The `special` figure needs it: without it analyze --attentions would differ from analyze
  // --model on the same text.
  if (!special_mask.empty()) writer.add_i64("special_tokens_mask", {tokens_count}, special_mask);
  if (opt.hidden_states) {  // [1, L+1, T, D] -> [L+1, T, D]
    writer.add_streamed("hidden_states", DType::kF32,
                        {config.num_hidden_layers + 1, tokens_count, config.hidden_size},
                        after_forward(result.hidden_states));
  }
  if (opt.logits) {  // [1, T, V] -> [T, V]
    writer.add_streamed("logits", DType::kF32, {tokens_count, config.vocab_size},
                        after_forward(result.logits));
  }
  writer.set_metadata("format", analysis::kAttentionFileFormat);
  writer.set_metadata("model", opt.model);
  writer.set_metadata("model_type", config.model_type);
  writer.set_metadata("architecture", config.architecture);
  writer.set_metadata("causal", config.causal ? "true" : "false");
  writer.set_metadata("layers", index_list(keep.layers));
  writer.set_metadata("heads", index_list(keep.heads));
  if (opt.has_text) {
    writer.set_metadata("text", text);
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
  auto* input = cmd->add_option("--input", opt->input,
                                "A file holding the text (or a .jsonl with one {\"text\": ...} "
                                "record): for texts too long for the command line");
  cmd->add_option("--truncate", opt->truncate, kTruncateHelp)->check(CLI::PositiveNumber);
  ids->excludes(text)->excludes(input);
  text->excludes(input);
  cmd->add_flag("--no-special-tokens", opt->no_special_tokens,
                "With --text: do not add the tokenizer's special tokens (BOS, [CLS], ...)");
  cmd->add_option("--out,-o", opt->out, "Output .safetensors file")->required();
  cmd->add_option("--layers", opt->layers, "Layers to keep: all, or e.g. 0,2,5-7");
  cmd->add_option("--heads", opt->heads, "Heads to keep (in every kept layer): all, or e.g. 0-3");
  cmd->add_option("--dtype", opt->dtype,
                  "Stored attention dtype: f32, or f16 / bf16 for half the file")
      ->check(CLI::IsMember({"f32", "f16", "bf16"}));
  cmd->add_flag("--hidden-states", opt->hidden_states, "Also write hidden_states [L+1, T, D]");
  cmd->add_flag("--logits", opt->logits, "Also write logits [T, V] (causal LMs)");
  cmd->add_option("--max-memory", opt->max_memory,
                  "Refuse runs needing more than this (e.g. 8G; default 75% of RAM)");
  cmd->add_flag("--force", opt->force, "Replace --out if it exists");
  cmd->callback([opt, ids, text, input] {
    opt->has_text = text->count() > 0 || input->count() > 0;
    if ((ids->count() > 0) == opt->has_text) {
      throw InputError("give exactly one of --ids, --text or --input");
    }
    run(*opt);
  });
}

const Registration kAttention{"attention", 20, setup};

}  // namespace
}  // namespace attnscope::cli
