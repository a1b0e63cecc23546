// attnscope compare: how attention changes between two texts (one model) or two models (one
// text, a shared tokenizer): per head the change in every statistic and the Jensen–Shannon
// divergence of the two maps where the tokens line up, most changed heads first
// (docs/analysis.md).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "analysis/attention_analyzer.h"
#include "analysis/compare.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "report/compare_writer.h"

namespace attnscope::cli {
namespace {

struct CompareCliOptions {
  std::vector<std::string> models;
  std::vector<std::string> texts;
  std::vector<std::string> ids;
  bool no_special_tokens = false;
  std::string format = "table";
  std::string max_memory;  // --max-memory; "" = 75% of RAM
  std::string sort = "js";
  int64_t top = report::kCompareTopHeads;
};

// The k-th input (texts first, then id lists) for `source`.
analysis::EncodedText input(const CompareCliOptions& opt, const analysis::AttentionSource& source,
                            size_t k) {
  const std::vector<InputText> texts = texts_as_inputs(opt.texts);
  if (k < texts.size()) return encode_input(source, texts[k], !opt.no_special_tokens);
  return encode_ids_option(source, opt.ids.at(k - texts.size()));
}

void run(const CompareCliOptions& opt) {
  const size_t inputs = opt.texts.size() + opt.ids.size();
  analysis::Comparison result;
  if (opt.models.size() == 1) {
    if (inputs != 2) {
      throw InputError("with one --model, give two inputs (--text A --text B, or --ids); got " +
                       std::to_string(inputs));
    }
    AttentionAnalyzer analyzer(opt.models[0]);
    analyzer.source().set_memory_budget(memory_budget(opt.max_memory));
    const auto a = input(opt, analyzer.source(), 0), b = input(opt, analyzer.source(), 1);
    result = analysis::compare_texts(analyzer.source(), a, b);
  } else if (opt.models.size() == 2) {
    if (inputs != 1) {
      throw InputError("with two --model, give one input (--text T or --ids); got " +
                       std::to_string(inputs));
    }
    AttentionAnalyzer first(opt.models[0]), second(opt.models[1]);
    first.source().set_memory_budget(memory_budget(opt.max_memory));
    second.source().set_memory_budget(memory_budget(opt.max_memory));
    const auto a = input(opt, first.source(), 0), b = input(opt, second.source(), 0);
    if (a.ids != b.ids) {
      throw InputError("models '" + opt.models[0] + "' and '" + opt.models[1] +
                       "' do not share a tokenizer: the input gives different token ids (" +
                       std::to_string(a.ids.size()) + " and " + std::to_string(b.ids.size()) +
                       " tokens)");
    }
    result = analysis::compare_models(first.source(), second.source(), a, b);
  } else {
    throw InputError("give one --model (and two texts) or two --model (and one text); got " +
                     std::to_string(opt.models.size()) + " models");
  }
  const report::CompareTableOptions table{.sort = opt.sort, .top = opt.top};
  if (opt.format == "json") {
    std::cout << report::compare_json(result, opt.top).dump(2) << "\n";
  } else if (opt.format == "csv") {
    report::write_compare_csv(std::cout, result, table);
  } else {
    report::write_compare_table(std::cout, result, table);
  }
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<CompareCliOptions>();
  auto* cmd = app.add_subcommand(
      "compare",
      "Compare attention between two texts or two models sharing a tokenizer (docs/analysis.md)");
  cmd->add_option("--model,-m", opt->models,
                  std::string(kModelHelp) + "; give it twice to compare two models")
      ->required();
  cmd->add_option("--text", opt->texts, "A text (twice with one model)");
  auto* ids = cmd->add_option("--ids", opt->ids,
                              "Token ids instead of a text, comma-separated, used as given");
  cmd->add_flag("--no-special-tokens", opt->no_special_tokens,
                "With --text: do not add the tokenizer's special tokens")
      ->excludes(ids);
  cmd->add_option("--max-memory", opt->max_memory,
                  "Refuse runs needing more than this (e.g. 8G; default 75% of RAM)");
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--sort", opt->sort, "Order of the table and CSV: js (most changed first), layer")
      ->check(CLI::IsMember({"js", "layer"}))
      ->capture_default_str();
  cmd->add_option("--top", opt->top, "Heads in the table, CSV and JSON most_changed (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  // The examples are run by tests/golden/cli_qa, so they stay true.
  cmd->footer(
      "Examples:\n"
      "  attnscope compare --model demo --text \"the cat sat on the mat\" --text \"the dog sat "
      "on the mat\"\n"
      "  attnscope compare --model demo --model demo --text \"the cat sat\" --format json\n"
      "  attnscope compare --model demo --ids 1,24,164 --ids 1,24,165 --sort layer --format csv\n");
  cmd->callback([opt] { run(*opt); });
}

const Registration kCompare{"compare", 47, setup};

}  // namespace
}  // namespace attnscope::cli
