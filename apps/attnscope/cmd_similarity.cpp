// attnscope similarity: the Jensen–Shannon distance between every pair of heads, averaged over
// rows and texts, and their average-linkage clustering (docs/analysis.md): merge tree, leaf
// order, clusters at a cut, each described by its members' dominant pattern.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "analysis/attention_analyzer.h"
#include "analysis/head_clusters.h"
#include "analysis/layer_selection.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "report/similarity_writer.h"

namespace attnscope::cli {
namespace {

struct SimilarityCliOptions {
  std::string model;
  std::vector<std::string> texts;
  std::string input;
  std::string ids;
  bool has_ids = false;
  bool no_special_tokens = false;
  std::string layers;
  std::string heads;
  std::optional<int64_t> cut;
  std::optional<double> threshold;
  std::string format = "table";
  std::string max_memory;  // --max-memory; "" = 75% of RAM
};

void run(const SimilarityCliOptions& opt) {
  std::vector<InputText> inputs =
      opt.input.empty() ? texts_as_inputs(opt.texts) : read_inputs(opt.input);
  if (!opt.input.empty() && inputs.empty()) {
    throw InputError(opt.input + ": no texts in the file");
  }
  AttentionAnalyzer analyzer(opt.model);
  analyzer.source().set_memory_budget(memory_budget(opt.max_memory));
  analysis::ClusterOptions options;
  options.layers =
      analysis::select_layers(opt.layers, analysis::layer_range(analyzer.source().num_layers()));
  if (!opt.heads.empty()) {
    options.heads =
        analysis::select_layers(opt.heads, analysis::layer_range(analyzer.source().num_heads()));
  }
  options.cut = opt.cut;
  options.threshold = opt.threshold;
  std::vector<analysis::EncodedText> encoded;
  if (opt.has_ids) encoded.push_back(encode_ids_option(analyzer.source(), opt.ids));
  for (const InputText& input : inputs) {
    encoded.push_back(encode_input(analyzer.source(), input, !opt.no_special_tokens));
  }
  const analysis::HeadClusters result = analysis::cluster_heads(
      analyzer.source(), std::span<const analysis::EncodedText>(encoded), options);
  if (opt.format == "json") {
    std::cout << report::similarity_json(result).dump(2) << "\n";
  } else if (opt.format == "csv") {
    report::write_similarity_csv(std::cout, result);
  } else {
    report::write_similarity_table(std::cout, result);
  }
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<SimilarityCliOptions>();
  auto* cmd = app.add_subcommand(
      "similarity",
      "Jensen-Shannon distance between heads and their clustering (docs/analysis.md)");
  cmd->add_option("--model,-m", opt->model, kModelHelp)->required();
  auto* text = cmd->add_option("--text", opt->texts, "Text to run (repeat for several)");
  auto* input = cmd->add_option("--input", opt->input, kInputHelp);
  auto* ids = cmd->add_option("--ids", opt->ids,
                              "Token ids instead of text, comma-separated (e.g. 1,2,3), used as "
                              "given: the tokenizer adds no special tokens");
  auto* no_special = cmd->add_flag(
      "--no-special-tokens", opt->no_special_tokens,
      "With --text/--input: do not add the tokenizer's special tokens (BOS, [CLS], ...)");
  cmd->add_option("--layers", opt->layers, "Layers to compare: all (the default), or e.g. 0,2,5-7");
  cmd->add_option("--heads", opt->heads, "Heads to compare: all (the default), or e.g. 0-3");
  auto* cut = cmd->add_option("--cut", opt->cut,
                              "Cut the tree into K clusters (default: ceil(sqrt(heads)))")
                  ->check(CLI::PositiveNumber);
  auto* threshold = cmd->add_option("--threshold", opt->threshold,
                                    "Cut the tree at distance D: merges at <= D join (0 .. ln 2)")
                        ->check(CLI::Range(0.0, 0.6931471805599453));
  cmd->add_option("--max-memory", opt->max_memory,
                  "Refuse runs needing more than this (e.g. 8G; default 75% of RAM)");
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  // The examples are run by tests/golden/cli_qa, so they stay true.
  cmd->footer(
      "Memory: every selected head of one text (H x L x T^2 floats) while that text runs, then "
      "only the N x N distances.\n\n"
      "Examples:\n"
      "  attnscope similarity --model demo --text \"the cat sat on the mat . the cat sat\"\n"
      "  attnscope similarity --model demo --text \"a b c a b c\" --cut 3 --format json\n"
      "  attnscope similarity --model demo --ids 1,24,164,260 --threshold 0.2 --format csv\n");
  cut->excludes(threshold);
  text->excludes(input);
  no_special->excludes(ids);
  cmd->callback([opt, ids] {
    opt->has_ids = ids->count() > 0;
    if (opt->texts.empty() && opt->input.empty() && !opt->has_ids) {
      throw InputError("similarity needs --text, --input or --ids");
    }
    run(*opt);
  });
}

const Registration kSimilarity{"similarity", 46, setup};

}  // namespace
}  // namespace attnscope::cli
