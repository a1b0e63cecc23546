// attnscope analyze: per-head attention statistics and pattern classes (docs/analysis.md), from a
// live model (--model with --text/--input/--ids; streaming, one layer in memory at a time) or from
// a saved attention file (--attentions). Output: a table for people, or stable JSON / CSV.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/attention_analyzer.h"
#include "analysis/layer_selection.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "report/analysis_report.h"

namespace attnscope::cli {
namespace {

using analysis::AnalysisSummary;

struct AnalyzeCliOptions {
  std::string model;
  std::vector<std::string> texts;
  std::string input;
  std::string ids;
  bool has_ids = false;  // --ids was given (its value may be malformed, even empty)
  bool no_special_tokens = false;
  std::string attentions;
  std::string layers;
  std::string heads;
  std::string format = "table";
  std::string causal;  // "", "true", "false": overrides a file's flag
  std::vector<std::string> thresholds;
  std::string max_memory;
  std::string sort = "layer";
  int64_t top = 0;       // 0 = all
  int64_t truncate = 0;  // --truncate N: first N tokens of each text; 0 = off
  bool probe = false;    // run the circuit probes first: induction / duplicate join the patterns
  analysis::ProbeOptions probe_options;
};

std::optional<bool> parse_causal(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return value == "true";
}

// A live run. Every input is read and tokenized before the first forward pass, so a bad record
// late in a corpus is reported at once, not after minutes of work.
AnalysisSummary analyze_model(const AnalyzeCliOptions& opt, analysis::AnalyzeOptions options) {
  const bool from_file = !opt.input.empty();
  std::vector<InputText> inputs;
  if (!opt.has_ids) {
    inputs = from_file ? read_inputs(opt.input) : texts_as_inputs(opt.texts);
    if (inputs.empty()) throw InputError("--input " + opt.input + " holds no texts");
    // A blank text is [BOS] or nothing, and its figures would shift a corpus's means; only a lone
    // --text "" is analysed as asked.
    for (const InputText& input : inputs) {
      if ((from_file || inputs.size() > 1) && is_blank(input.text)) {
        throw InputError(input.where + ": the text is " +
                         (input.text.empty() ? "empty" : "blank (whitespace only)") +
                         "; there is nothing to analyse");
      }
    }
  }

  AttentionAnalyzer analyzer(opt.model);
  analyzer.source().set_memory_budget(memory_budget(opt.max_memory));
  options.layers =
      analysis::select_layers(opt.layers, analysis::layer_range(analyzer.source().num_layers()));
  if (!opt.heads.empty()) {
    options.heads =
        analysis::select_layers(opt.heads, analysis::layer_range(analyzer.source().num_heads()));
  }

  std::vector<analysis::EncodedText> encoded;
  std::vector<std::string> names;
  if (opt.has_ids) encoded.push_back(encode_ids_option(analyzer.source(), opt.ids));
  for (const InputText& input : inputs) {
    encoded.push_back(encode_input(analyzer.source(), input, !opt.no_special_tokens));
    names.push_back(input.where);
  }
  // Errors of the forward pass (too long for the model or the memory) name the input too.
  if (from_file || inputs.size() > 1) options.input_names = names;

  std::vector<int64_t> lengths;
  for (auto& e : encoded) {
    truncate_input(e, opt.truncate);
    lengths.push_back(static_cast<int64_t>(e.ids.size()));
  }
  // --ids (no name) comes first when given.
  std::vector<std::string> length_names = names;
  if (opt.has_ids) length_names.insert(length_names.begin(), "--ids");
  if (const ModelConfig* config = analyzer.source().model_config()) {
    check_position_limit(*config, lengths, length_names);
    warn_past_trained_length(*config, lengths, length_names);
  }
  if (opt.probe) analyzer.probe(opt.probe_options);
  return analyzer.analyze(std::span<const analysis::EncodedText>(encoded), options);
}

void run(const AnalyzeCliOptions& opt) {
  report::check_head_sort(opt.sort);  // before any work
  const report::HeadRows rows{.sort = opt.sort, .top = opt.top};
  analysis::AnalyzeOptions options;
  for (const auto& t : opt.thresholds) options.thresholds.set(t);

  AnalysisSummary summary;
  if (!opt.attentions.empty()) {
    const analysis::AttentionFile file(opt.attentions, {.causal = parse_causal(opt.causal)});
    options.layers = analysis::select_layers(opt.layers, file.layer_ids());
    // Heads by the model's numbers, as indices into the file's stored heads.
    const std::vector<int>& head_ids = file.head_ids();
    for (int head :
         opt.heads.empty() ? std::set<int>{} : analysis::select_layers(opt.heads, head_ids)) {
      options.heads.insert(
          static_cast<int>(std::find(head_ids.begin(), head_ids.end(), head) - head_ids.begin()));
    }
    summary = analysis::analyze_attention_file(file, options);
  } else {
    summary = analyze_model(opt, options);
  }

  if (opt.format == "json") {
    std::cout << report::analysis_json(summary).dump(2) << "\n";
  } else if (opt.format == "csv") {
    report::write_analysis_csv(std::cout, summary, rows);
  } else {
    report::write_analysis_table(std::cout, summary, rows);
  }
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<AnalyzeCliOptions>();
  auto* cmd = app.add_subcommand(
      "analyze", "Per-head attention statistics and pattern classes (docs/analysis.md)");
  auto* model = cmd->add_option("--model,-m", opt->model, kModelHelp);
  auto* text = cmd->add_option("--text", opt->texts, "Text to analyse (repeat for several)");
  auto* input = cmd->add_option("--input", opt->input, kInputHelp);
  auto* ids = cmd->add_option("--ids", opt->ids,
                              "Token ids instead of text, comma-separated (e.g. 1,2,3), used as "
                              "given: the tokenizer adds no special tokens");
  auto* no_special = cmd->add_flag(
      "--no-special-tokens", opt->no_special_tokens,
      "With --text/--input: do not add the tokenizer's special tokens (BOS, [CLS], ...)");
  auto* attentions = cmd->add_option(
      "--attentions", opt->attentions,
      "Saved attention (.safetensors, docs/attention-file-format.md) instead of a model");
  cmd->add_option("--layers", opt->layers, "Layers to analyse: all (the default), or e.g. 0,2,5-7");
  cmd->add_option("--heads", opt->heads, "Heads to analyse: all (the default), or e.g. 0,2-3");
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  auto* causal =
      cmd->add_option("--causal", opt->causal, "With --attentions: override the file's causal flag")
          ->check(CLI::IsMember({"true", "false"}));
  cmd->add_option("--sort", opt->sort,
                  "Order of the head rows (table and csv): layer, or a figure's name (highest "
                  "first)")
      ->check(CLI::IsMember(report::head_sort_fields()))
      ->capture_default_str();
  cmd->add_option("--top", opt->top, "Show only the first K head rows (table and csv; 0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--max-memory", opt->max_memory,
                  "Refuse runs needing more than this (e.g. 8G; default 75% of RAM)");
  auto* truncate =
      cmd->add_option("--truncate", opt->truncate, kTruncateHelp)->check(CLI::PositiveNumber);
  auto* probe = cmd->add_flag("--probe", opt->probe,
                              "Run the circuit probes first (as `attnscope probe`, its defaults "
                              "unless --probe-n/--probe-batches/--probe-seed): heads whose "
                              "induction or duplicate-token score reaches its threshold get the "
                              "pattern induction or duplicate");
  cmd->add_option("--probe-n", opt->probe_options.n, "With --probe: random tokens per half")
      ->needs(probe)
      ->check(CLI::Range(int64_t{2}, (analysis::kMaxProbeTokens - 1) / 2))
      ->capture_default_str();
  cmd->add_option("--probe-batches", opt->probe_options.batches,
                  "With --probe: probe sequences (batch b uses seed + b)")
      ->needs(probe)
      ->check(CLI::Range(int64_t{1}, analysis::kMaxProbeBatches))
      ->capture_default_str();
  cmd->add_option("--probe-seed", opt->probe_options.seed, "With --probe: the first seed")
      ->needs(probe)
      ->capture_default_str();
  std::string classes;
  for (analysis::Pattern p : analysis::kScoredPatterns) {
    classes += (classes.empty() ? "" : ", ") + std::string(analysis::pattern_name(p));
  }
  for (analysis::Pattern p : analysis::kProbePatterns) {
    classes += ", " + std::string(analysis::pattern_name(p)) + " (with --probe)";
  }
  cmd->add_option("--pattern-threshold", opt->thresholds,
                  "Override a pattern threshold, NAME=VALUE (e.g. broad=0.9); NAME is one of " +
                      classes + "; repeatable");
  // The examples are run by tests/golden/cli_qa, so they stay true.
  cmd->footer(
      "Give --model with --text (repeatable), --input or --ids, or give --attentions. With "
      "several texts the table shows means over texts; json and csv add the std.\n\n"
      "Examples:\n"
      "  attnscope analyze --model demo --text \"the cat sat on the mat . the cat sat\"\n"
      "  attnscope analyze --model demo --ids 1,24,164,260,37,24,196 --format csv\n"
      "  attnscope analyze --model demo --text \"the cat sat on the mat\" --probe\n"
      "  printf '{\"text\": \"the cat sat\"}\\n{\"text\": \"the dog ran\"}\\n' > texts.jsonl\n"
      "  attnscope analyze --model demo --input texts.jsonl --format json\n"
      "  attnscope attention --model demo --text \"the quick brown fox\" --out fox.safetensors\n"
      "  attnscope analyze --attentions fox.safetensors --layers 0 --sort entropy --top 3\n");
  attentions->excludes(model)->excludes(text)->excludes(input)->excludes(ids);
  text->excludes(input)->excludes(ids);
  input->excludes(ids);
  no_special->excludes(ids)->excludes(attentions);
  causal->needs(attentions);
  probe->excludes(attentions);
  truncate->excludes(attentions);
  cmd->callback([opt, ids] {
    opt->has_ids = ids->count() > 0;
    if (opt->attentions.empty()) {
      if (opt->model.empty())
        throw InputError("give --model (with --text, --input or --ids) or --attentions");
      if (opt->texts.empty() && opt->input.empty() && !opt->has_ids) {
        throw InputError("--model needs --text, --input or --ids");
      }
    }
    run(*opt);
  });
}

const Registration kAnalyze{"analyze", 30, setup};

}  // namespace
}  // namespace attnscope::cli
