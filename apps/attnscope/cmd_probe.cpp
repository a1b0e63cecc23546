// attnscope probe: previous-token, duplicate-token and induction scores of every head from
// repeated random token sequences (Olsson et al. 2022; docs/analysis.md), ranked, with the top
// heads of each probe named.
#include <iostream>
#include <memory>
#include <string>

#include "analysis/attention_analyzer.h"
#include "analysis/probes.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "report/probe_writer.h"

namespace attnscope::cli {
namespace {

struct ProbeCliOptions {
  std::string model;
  int64_t n = 20;
  int64_t batches = 4;
  uint64_t seed = 0;
  std::string format = "table";
  std::string max_memory;  // --max-memory; "" = 75% of RAM
  std::string sort = "induction_score";
  int64_t top = 0;
};

void run(const ProbeCliOptions& opt) {
  report::check_probe_sort(opt.sort);
  AttentionAnalyzer analyzer(opt.model);
  analyzer.source().set_memory_budget(memory_budget(opt.max_memory));
  const analysis::ProbeResult result = analysis::run_probes(
      analyzer.source(), {.n = opt.n, .batches = opt.batches, .seed = opt.seed});
  const report::ProbeTableOptions table{.sort = opt.sort, .top = opt.top};
  if (opt.format == "json") {
    std::cout << report::probe_json(result, analyzer.source().name()).dump(2) << "\n";
  } else if (opt.format == "csv") {
    report::write_probe_csv(std::cout, result, table);
  } else {
    report::write_probe_table(std::cout, result, analyzer.source().name(), table);
  }
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<ProbeCliOptions>();
  auto* cmd = app.add_subcommand(
      "probe",
      "Find previous-token, duplicate-token and induction heads with repeated random tokens "
      "(docs/analysis.md)");
  cmd->add_option("--model,-m", opt->model, kModelHelp)->required();
  cmd->add_option("--n", opt->n, "Random tokens in each half of a probe sequence")
      ->check(CLI::Range(int64_t{2}, (analysis::kMaxProbeTokens - 1) / 2))
      ->capture_default_str();
  cmd->add_option("--batches", opt->batches, "Probe sequences (batch b uses seed + b)")
      ->check(CLI::Range(int64_t{1}, analysis::kMaxProbeBatches))
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed, "Seed of the first batch")->capture_default_str();
  cmd->add_option("--max-memory", opt->max_memory,
                  "Refuse runs needing more than this (e.g. 8G; default 75% of RAM)");
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--sort", opt->sort,
                  "Sort the table and CSV by: induction_score, previous_token_score, "
                  "duplicate_token_score, layer")
      ->check(CLI::IsMember(
          {"induction_score", "previous_token_score", "duplicate_token_score", "layer"}))
      ->capture_default_str();
  cmd->add_option("--top", opt->top, "Print only the first K heads of the table and CSV (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  // The examples are run by tests/golden/cli_qa, so they stay true.
  cmd->footer(
      "Each probe sequence is BOS (when the model has one) and n random ordinary tokens, "
      "repeated twice; scores are means over the second half.\n\n"
      "Examples:\n"
      "  attnscope probe --model demo\n"
      "  attnscope probe --model demo --n 30 --batches 2 --seed 7 --format json\n"
      "  attnscope probe --model demo --sort previous_token_score --top 3 --format csv\n");
  cmd->callback([opt] { run(*opt); });
}

const Registration kProbe{"probe", 45, setup};

}  // namespace
}  // namespace attnscope::cli
