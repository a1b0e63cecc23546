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

namespace attnscope::cli {
namespace {

using analysis::AnalysisSummary;
using analysis::Figure;
using analysis::FigureSummary;
using analysis::kReportedFigures;

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
};

// Four decimals, so columns line up and 1e-25 reads as the 0.0000 it is for a person; "-" for
// an undefined figure. (JSON and CSV keep full precision.)
std::string short_number(double value) {
  if (std::isnan(value)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), std::fabs(value) < 1e4 ? "%.4f" : "%.4g", value);
  return buffer;
}

std::string csv_number(double value) {
  if (std::isnan(value)) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

// Short column titles for the table (the JSON/CSV names are the full ones).
std::string_view column_title(Figure figure) {
  switch (figure) {
    case Figure::kNormalizedEntropy:
      return "norm_ent";
    case Figure::kConfidence:
      return "conf";
    case Figure::kPrevious:
      return "prev";
    case Figure::kDistance:
      return "dist";
    case Figure::kDistanceNormalized:
      return "dist_norm";
    default:
      return analysis::figure_name(figure);
  }
}

void print_row(std::ostream& out, const std::vector<std::string>& cells,
               const std::vector<size_t>& widths) {
  for (size_t k = 0; k < cells.size(); ++k) {
    if (k > 0) out << "  ";
    const size_t pad = widths[k] > cells[k].size() ? widths[k] - cells[k].size() : 0;
    // The third column (pattern names) is text: left-aligned; numbers right-aligned.
    if (k == 2) {
      out << cells[k] << std::string(pad, ' ');
    } else {
      out << std::string(pad, ' ') << cells[k];
    }
  }
  out << "\n";
}

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(rows.empty() ? 0 : rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t k = 0; k < row.size(); ++k) widths[k] = std::max(widths[k], row[k].size());
  }
  for (const auto& row : rows) print_row(out, row, widths);
}

void write_table(std::ostream& out, const AnalysisSummary& s) {
  out << "model: " << (s.model.empty() ? "(unknown)" : s.model)
      << "   causal: " << (s.causal ? "yes" : "no") << "   texts: " << s.texts;
  if (s.texts == 1 && !s.tokens.empty()) out << "   tokens: " << s.tokens[0].size();
  out << "\n";
  if (s.texts > 1) out << "figures are means over texts; --format json or csv adds the std\n";
  out << "\n";

  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"layer", "head", "pattern"};
  for (Figure f : kReportedFigures) header.emplace_back(column_title(f));
  rows.push_back(header);
  for (const auto& head : s.heads) {
    std::vector<std::string> row = {std::to_string(head.layer), std::to_string(head.head),
                                    std::string(analysis::pattern_name(head.pattern.pattern))};
    for (Figure f : kReportedFigures) row.push_back(short_number(head[f].mean));
    rows.push_back(std::move(row));
  }
  print_table(out, rows);

  out << "\nlayer summary (mean of the layer's heads)\n";
  rows.clear();
  std::vector<std::string> layer_header = {"layer", "heads", "patterns"};
  for (Figure f : kReportedFigures) layer_header.emplace_back(column_title(f));
  rows.push_back(layer_header);
  for (const auto& layer : s.layers) {
    std::string patterns;
    int heads = 0;
    for (size_t k = 0; k < layer.pattern_counts.size(); ++k) {
      heads += layer.pattern_counts[k];
      if (layer.pattern_counts[k] == 0) continue;
      if (!patterns.empty()) patterns += ",";
      patterns += std::string(analysis::pattern_name(static_cast<analysis::Pattern>(k))) + ":" +
                  std::to_string(layer.pattern_counts[k]);
    }
    std::vector<std::string> row = {std::to_string(layer.layer), std::to_string(heads), patterns};
    for (Figure f : kReportedFigures) row.push_back(short_number(layer[f].mean));
    rows.push_back(std::move(row));
  }
  print_table(out, rows);
}

void write_csv(std::ostream& out, const AnalysisSummary& s) {
  const bool several = s.texts > 1;
  out << "layer,head,pattern";
  for (Figure f : kReportedFigures) out << "," << analysis::figure_name(f);
  if (several) {
    for (Figure f : kReportedFigures) out << "," << analysis::figure_name(f) << "_std";
  }
  for (analysis::Pattern p : analysis::kScoredPatterns) {
    out << ",score_" << analysis::pattern_name(p);
  }
  out << "\n";
  for (const auto& head : s.heads) {
    out << head.layer << "," << head.head << "," << analysis::pattern_name(head.pattern.pattern);
    for (Figure f : kReportedFigures) out << "," << csv_number(head[f].mean);
    if (several) {
      for (Figure f : kReportedFigures) out << "," << csv_number(head[f].std);
    }
    for (double score : head.pattern.scores) out << "," << csv_number(score);
    out << "\n";
  }
}

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
  const ModelConfig config = load_model_config(resolve_model(opt.model));
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
  for (const auto& e : encoded) lengths.push_back(static_cast<int64_t>(e.ids.size()));
  warn_past_trained_length(config, lengths, names);
  return analyzer.analyze(std::span<const analysis::EncodedText>(encoded), options);
}

void run(const AnalyzeCliOptions& opt) {
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
    std::cout << analysis::to_json(summary).dump(2) << "\n";
  } else if (opt.format == "csv") {
    write_csv(std::cout, summary);
  } else {
    write_table(std::cout, summary);
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
  std::string classes;
  for (analysis::Pattern p : analysis::kScoredPatterns) {
    classes += (classes.empty() ? "" : ", ") + std::string(analysis::pattern_name(p));
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
      "  attnscope analyze --model models/tiny-gpt2 --input texts.jsonl --format json\n"
      "  attnscope analyze --attentions fox.safetensors --layers 0,2-3\n");
  attentions->excludes(model)->excludes(text)->excludes(input)->excludes(ids);
  text->excludes(input)->excludes(ids);
  input->excludes(ids);
  no_special->excludes(ids)->excludes(attentions);
  causal->needs(attentions);
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
