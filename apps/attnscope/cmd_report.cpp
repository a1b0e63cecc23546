// attnscope report: the dashboard for one text as ONE self-contained HTML file (the page, its
// scripts and the analysis inlined; report::html_snapshot), opening offline from file:// and in
// a notebook iframe: the same bytes POST /api/report answers.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "core/mapped_file.h"
#include "server/dashboard.h"
#include "server/snapshot.h"

namespace attnscope::cli {
namespace {

struct ReportOptions {
  std::string model;
  std::string text;
  std::string input;
  std::string out;
  bool force = false;
  int64_t max_tokens = 4096;
};

void run(const ReportOptions& opt) {
  check_output_path(opt.out, opt.force);
  std::string text = opt.text;
  if (!opt.input.empty()) {
    const std::vector<InputText> inputs = read_inputs(opt.input);
    if (inputs.size() != 1) {
      throw InputError("--input " + opt.input + " holds " + std::to_string(inputs.size()) +
                       " texts; a report shows one (a .txt file, or a .jsonl file of one line)");
    }
    text = inputs.front().text;
  }
  server::Dashboard dashboard({.models = {opt.model}, .max_tokens = opt.max_tokens});
  // The first listed model is the --model spec's (demo is added after it when absent).
  const std::string id = dashboard.model_list().front().id;
  const std::string html =
      server::build_report(dashboard, nlohmann::json{{"model", id}, {"text", text}});
  write_file_atomic(opt.out, html);
  std::cerr << "attnscope report: wrote " << opt.out << " (" << html.size() / 1024
            << " KB; opens offline)\n";
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand(
      "report", "Write the dashboard of one text as a self-contained offline HTML file");
  cmd->add_option("--model,-m", opt->model, kModelHelp)->required();
  auto* text = cmd->add_option("--text", opt->text, "Text to show");
  auto* input = cmd->add_option("--input", opt->input,
                                "File holding the text: a .txt file, or a .jsonl file of one "
                                "{\"text\": ...} line");
  text->excludes(input);
  cmd->add_option("--out,-o", opt->out, "HTML file to write")->required();
  cmd->add_flag("--force", opt->force, "Replace --out if it exists");
  cmd->add_option("--max-tokens", opt->max_tokens, "Longest text, in tokens")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->footer(
      "Give --text or --input. The file holds every layer's attention (f32, or f16 past 24 MB; "
      "at most 64 MB) and opens with no server and no network.\n"
      "Example: attnscope report --model demo --text \"the cat sat on the mat\" --out cat.html");
  cmd->callback([opt, text, input] {
    if (text->count() == 0 && input->count() == 0) {
      throw InputError("give --text or --input (attnscope report --help)");
    }
    run(*opt);
  });
}

const Registration kReport{"report", 75, setup};

}  // namespace
}  // namespace attnscope::cli
