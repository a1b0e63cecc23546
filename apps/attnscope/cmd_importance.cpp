// attnscope importance: which tokens receive the most attention (docs/analysis.md, METRICS.md),
// ranked, from a live model (--model with --text or --ids) or a saved attention file
// (--attentions).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analysis/attention_analyzer.h"
#include "analysis/layer_selection.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "report/importance_methods_report.h"
#include "report/importance_report.h"

namespace attnscope::cli {
namespace {

struct ImportanceCliOptions {
  std::string model;
  std::string text;
  std::string input;       // --input FILE: the text, from a file
  std::string ids_option;  // --ids
  bool has_ids = false;
  bool no_special_tokens = false;
  std::string attentions;
  int64_t sequence = 0;
  std::string method = "raw";
  std::optional<int64_t> target;
  bool visible_only = false;
  bool exclude_first = false;
  std::string layers;
  std::string heads;
  std::string max_memory;
  std::string format = "table";
  int64_t top = 0;       // 0 = all
  int64_t truncate = 0;  // --truncate N: first N tokens; 0 = off
};

bool uses_target(const std::string& method) {
  return method == "rollout" || method == "flow" || method == "all";
}

// Heads named by the model's numbers, as indices into a layer's stored heads (`head_ids`: the
// model's number of each stored head; a file may hold a selection).
std::set<int> head_indices(const std::string& spec, const std::vector<int>& head_ids) {
  std::set<int> out;
  if (spec.empty()) return out;
  for (int head : analysis::select_layers(spec, head_ids)) {
    out.insert(
        static_cast<int>(std::find(head_ids.begin(), head_ids.end(), head) - head_ids.begin()));
  }
  return out;
}

void run(const ImportanceCliOptions& opt) {
  if (opt.visible_only && opt.method != "raw" && opt.method != "all") {
    throw InputError("--visible-only applies to --method raw (or all), not " + opt.method);
  }
  if (opt.target && !uses_target(opt.method)) {
    throw InputError("--target applies to --method rollout, flow or all, not " + opt.method);
  }
  std::vector<std::string> methods;
  if (opt.method == "all") {
    methods = {"raw", "rollout", "flow"};
    if (opt.attentions.empty()) methods.push_back("norm");  // norm needs a live model
  } else {
    methods = {opt.method};
  }
  analysis::ImportanceOptions options{.target = opt.target, .visible_only = opt.visible_only};
  std::vector<std::pair<std::string, std::vector<analysis::TokenScore>>> per_method;
  std::vector<int64_t> ids;
  std::string model = opt.model;
  bool causal = false;
  if (!opt.attentions.empty()) {
    const analysis::AttentionFile file(opt.attentions);
    options.layers = analysis::select_layers(opt.layers, file.layer_ids());
    options.heads = head_indices(opt.heads, file.head_ids());
    for (const std::string& m : methods) {
      per_method.emplace_back(m, analysis::token_importance(file, opt.sequence, m, options));
    }
    const auto file_ids = file.input_ids(opt.sequence);
    ids.assign(file_ids.begin(), file_ids.end());
    model = file.model();
    causal = file.causal();
  } else {
    AttentionAnalyzer analyzer(opt.model);
    analyzer.source().set_memory_budget(memory_budget(opt.max_memory));
    options.layers =
        analysis::select_layers(opt.layers, analysis::layer_range(analyzer.source().num_layers()));
    options.heads = head_indices(opt.heads, analysis::layer_range(analyzer.source().num_heads()));
    analysis::EncodedText input =
        opt.has_ids ? encode_ids_option(analyzer.source(), opt.ids_option)
                    : encode_input(analyzer.source(), one_input(opt.text, opt.input, "importance"),
                                   !opt.no_special_tokens);
    truncate_input(input, opt.truncate);
    if (const ModelConfig* config = analyzer.source().model_config()) {
      check_position_limit(*config, {static_cast<int64_t>(input.ids.size())});
      warn_past_trained_length(*config, {static_cast<int64_t>(input.ids.size())});
    }
    for (const std::string& m : methods) {
      per_method.emplace_back(m, analyzer.get_token_importance(input, m, options));
    }
    ids = input.ids;
    model = analyzer.source().name();
    causal = analyzer.source().causal();
  }
  // The target the rollout / flow rows were read at (a position of the sequence).
  const std::optional<int64_t> target =
      report::reported_target(opt.method, opt.target, per_method.front().second, causal);
  if (opt.method == "all") {
    const report::ImportanceMethodsReport side =
        report::side_by_side(per_method, ids, model, causal, opt.visible_only, target);
    if (opt.format == "json") {
      std::cout << report::importance_methods_json(side).dump(2) << "\n";
    } else if (opt.format == "csv") {
      report::write_importance_methods_csv(std::cout, side);
    } else {
      report::write_importance_methods_table(std::cout, side);
    }
    return;
  }
  const report::ImportanceReport ranked =
      report::rank_importance(per_method.front().second, ids,
                              {.model = model,
                               .method = opt.method,
                               .causal = causal,
                               .visible_only = opt.visible_only,
                               .target = target,
                               .exclude_first = opt.exclude_first,
                               .top = opt.top});
  if (opt.format == "json") {
    std::cout << report::importance_json(ranked).dump(2) << "\n";
  } else if (opt.format == "csv") {
    report::write_importance_csv(std::cout, ranked);
  } else {
    report::write_importance_table(std::cout, ranked);
  }
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<ImportanceCliOptions>();
  auto* cmd = app.add_subcommand(
      "importance",
      "Rank tokens by importance: attention received, rollout, flow or norm (docs/analysis.md)");
  auto* model = cmd->add_option("--model,-m", opt->model, kModelHelp);
  auto* text =
      cmd->add_option("--text", opt->text, "Text to score, tokenized with the model's tokenizer");
  auto* input = cmd->add_option("--input", opt->input,
                                "A file holding the text (or a .jsonl with one {\"text\": ...} "
                                "record): for texts too long for the command line");
  auto* ids = cmd->add_option("--ids", opt->ids_option,
                              "Token ids instead of text, comma-separated (e.g. 1,2,3), used as "
                              "given: the tokenizer adds no special tokens");
  auto* no_special =
      cmd->add_flag("--no-special-tokens", opt->no_special_tokens,
                    "With --text: do not add the tokenizer's special tokens (BOS, [CLS], ...)");
  auto* attentions = cmd->add_option("--attentions", opt->attentions,
                                     "Saved attention (.safetensors) instead of a model");
  auto* sequence = cmd->add_option("--sequence", opt->sequence,
                                   "With --attentions holding a batch: which sequence (0-based)");
  cmd->add_option("--method", opt->method,
                  "Scoring method: raw (attention received), rollout, flow, norm "
                  "(docs/analysis.md), or all (side by side with rank correlations)")
      ->check(CLI::IsMember({"raw", "rollout", "flow", "norm", "all"}))
      ->capture_default_str();
  cmd->add_option("--target", opt->target,
                  "rollout/flow: the position whose row is read (default: the last token for "
                  "causal models, the first for encoders)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--visible-only", opt->visible_only,
                "raw: average each token's attention over the rows that can see it (corrects "
                "the causal bias toward early tokens)");
  cmd->add_flag("--exclude-first", opt->exclude_first,
                "Leave the first token (the attention sink) out of the ranking");
  cmd->add_option("--layers", opt->layers, "Layers that take part: all (the default), or 0,2,5-7");
  cmd->add_option("--heads", opt->heads, "Heads that take part: all (the default), or e.g. 0-3");
  cmd->add_option("--max-memory", opt->max_memory,
                  "Refuse runs needing more than this (e.g. 8G; default 75% of RAM)");
  auto* truncate =
      cmd->add_option("--truncate", opt->truncate, kTruncateHelp)->check(CLI::PositiveNumber);
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--top", opt->top, "Print only the K highest-scoring tokens (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  // The examples are run by tests/golden/cli_qa, so they stay true.
  cmd->footer(
      "Give --model with --text, --input or --ids, or give --attentions. Scores sum to 1 over "
      "the "
      "tokens; ties keep text order.\n\n"
      "Examples:\n"
      "  attnscope importance --model demo --text \"the cat sat on the mat\" --top 3\n"
      "  attnscope importance --model demo --ids 1,24,164,260 --format csv\n"
      "  attnscope importance --model demo --text \"the cat sat on the mat\" --method rollout\n"
      "  attnscope importance --model demo --text \"the cat sat\" --method raw --visible-only\n"
      "  attnscope importance --model demo --text \"the cat sat on the mat\" --method all\n"
      "  attnscope attention --model demo --text \"the quick brown fox\" --out fox.safetensors\n"
      "  attnscope importance --attentions fox.safetensors --method rollout --format json\n");
  attentions->excludes(model)->excludes(text)->excludes(ids)->excludes(input);
  text->excludes(ids)->excludes(input);
  input->excludes(ids);
  no_special->excludes(ids)->excludes(attentions);
  truncate->excludes(attentions);
  sequence->needs(attentions);
  cmd->callback([opt, text, ids, input] {
    opt->has_ids = ids->count() > 0;
    // An empty --text "" is a text ([CLS] [SEP], BOS); only a missing --text is an error.
    if (opt->attentions.empty() &&
        (opt->model.empty() || (text->count() == 0 && input->count() == 0 && !opt->has_ids))) {
      throw InputError("give --model with --text, --input or --ids, or --attentions");
    }
    run(*opt);
  });
}

const Registration kImportance{"importance", 40, setup};

}  // namespace
}  // namespace attnscope::cli
