// attnscope importance: which tokens receive the most attention (docs/analysis.md, METRICS.md),
// ranked, from a live model (--model with --text or --ids) or a saved attention file
// (--attentions).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/attention_analyzer.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "report/importance_report.h"

namespace attnscope::cli {
namespace {

struct ImportanceCliOptions {
  std::string model;
  std::string text;
  std::string ids_option;  // --ids
  bool has_ids = false;
  bool no_special_tokens = false;
  std::string attentions;
  int64_t sequence = 0;
  std::string method = "raw";
  std::string format = "table";
  int64_t top = 0;  // 0 = all
};

void run(const ImportanceCliOptions& opt) {
  std::vector<analysis::TokenScore> scores;
  std::vector<int64_t> ids;
  std::string model = opt.model;
  if (!opt.attentions.empty()) {
    const analysis::AttentionFile file(opt.attentions);
    scores = analysis::token_importance(file, opt.sequence, opt.method);
    const auto file_ids = file.input_ids(opt.sequence);
    ids.assign(file_ids.begin(), file_ids.end());
    model = file.model();
  } else {
    AttentionAnalyzer analyzer(opt.model);
    const analysis::EncodedText input =
        opt.has_ids ? encode_ids_option(analyzer.source(), opt.ids_option)
                    : encode_input(analyzer.source(), {opt.text, ""}, !opt.no_special_tokens);
    warn_past_trained_length(load_model_config(resolve_model(opt.model)),
                             {static_cast<int64_t>(input.ids.size())});
    scores = analyzer.get_token_importance(input, opt.method);
    ids = input.ids;
    model = analyzer.source().name();
  }
  const report::ImportanceReport ranked =
      report::rank_importance(std::move(scores), ids, model, opt.method, opt.top);
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
  auto* cmd = app.add_subcommand("importance",
                                 "Rank tokens by the attention they receive (docs/analysis.md)");
  auto* model = cmd->add_option("--model,-m", opt->model, kModelHelp);
  auto* text =
      cmd->add_option("--text", opt->text, "Text to score, tokenized with the model's tokenizer");
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
  cmd->add_option("--method", opt->method, "Scoring method")->check(CLI::IsMember({"raw"}));
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--top", opt->top, "Print only the K highest-scoring tokens (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  // The examples are run by tests/golden/cli_qa, so they stay true.
  cmd->footer(
      "Give --model with --text or --ids, or give --attentions. Scores sum to 1 over the "
      "tokens; ties keep text order.\n\n"
      "Examples:\n"
      "  attnscope importance --model demo --text \"the cat sat on the mat\" --top 3\n"
      "  attnscope importance --model demo --ids 1,24,164,260 --format csv\n"
      "  attnscope importance --attentions fox.safetensors --sequence 1 --format json\n");
  attentions->excludes(model)->excludes(text)->excludes(ids);
  text->excludes(ids);
  no_special->excludes(ids)->excludes(attentions);
  sequence->needs(attentions);
  cmd->callback([opt, text, ids] {
    opt->has_ids = ids->count() > 0;
    // An empty --text "" is a text ([CLS] [SEP], BOS); only a missing --text is an error.
    if (opt->attentions.empty() && (opt->model.empty() || (text->count() == 0 && !opt->has_ids))) {
      throw InputError("give --model with --text or --ids, or --attentions");
    }
    run(*opt);
  });
}

const Registration kImportance{"importance", 40, setup};

}  // namespace
}  // namespace attnscope::cli
