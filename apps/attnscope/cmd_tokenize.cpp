// attnscope tokenize: token ids, token strings, code point offsets and the special-tokens mask
// of a text, exactly as Hugging Face tokenizes it (src/tokenizer).
//
//   attnscope tokenize --model models/gpt2 --text "Hello world"
//   attnscope tokenize --model models/bert-base-uncased --input texts.jsonl --format jsonl
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "io/gguf.h"
#include "model/resolved_model.h"
#include "report/encoding_report.h"
#include "tokenizer/tokenizer.h"

namespace attnscope::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::string input;
  bool no_special_tokens = false;
  std::string format = "json";
  bool has_text = false;
};

// A .gguf file carries its tokenizer in its metadata (tokenizer/gguf_vocab.h).
Tokenizer load_tokenizer(const std::string& spec) {
  // Tokenizer-only folders have no config.json, which resolve_model requires.
  if (!spec.empty() && std::filesystem::is_directory(spec)) return Tokenizer::load(spec);
  const ResolvedModel model = resolve_model(spec, {.read_config = false});
  if (model.kind == ModelKind::kGgufFile) {
    std::optional<Tokenizer> tok = Tokenizer::from_gguf(GgufFile(model.path.string()));
    if (!tok)
      throw InputError(spec + " has no tokenizer (tokenizer.ggml.model is \"none\"): ids only");
    return *tok;
  }
  return Tokenizer::load(model.path);
}

void run(const TokenizeOptions& opt) {
  if (!opt.has_text && opt.input.empty()) throw InputError("give --text TEXT or --input FILE");
  const Tokenizer tok = load_tokenizer(opt.model);
  const std::vector<std::string> texts =
      opt.input.empty() ? std::vector<std::string>{opt.text} : read_input_texts(opt.input);
  const bool add_special = !opt.no_special_tokens;
  if (opt.format == "jsonl") {
    for (const auto& text : texts)
      std::cout << report::dump_line(report::encoding_json(tok.encode(text, add_special))) << "\n";
  } else if (opt.format == "json") {
    if (texts.size() == 1 && opt.input.empty()) {
      std::cout << report::dump_line(report::encoding_json(tok.encode(texts[0], add_special)))
                << "\n";
    } else {
      nlohmann::ordered_json all = nlohmann::ordered_json::array();
      for (const auto& text : texts)
        all.push_back(report::encoding_json(tok.encode(text, add_special)));
      std::cout << report::dump_line(all) << "\n";
    }
  } else {
    for (size_t t = 0; t < texts.size(); ++t) {
      if (texts.size() > 1) std::cout << (t > 0 ? "\n" : "") << "text " << t << "\n";
      report::write_encoding_table(std::cout, texts[t], tok.encode(texts[t], add_special));
    }
  }
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand(
      "tokenize", "Tokenize text like Hugging Face: ids, tokens, offsets, special-tokens mask");
  cmd->add_option("--model,-m", opt->model,
                  "Model or tokenizer folder (tokenizer.json, vocab.txt, vocab.json + merges.txt "
                  "or tokenizer.model), a .gguf file, or a Hugging Face id in the local cache")
      ->required();
  auto* text = cmd->add_option("--text", opt->text, "The text to tokenize");
  auto* input = cmd->add_option("--input", opt->input, kInputHelp);
  text->excludes(input);
  cmd->add_flag("--no-special-tokens", opt->no_special_tokens,
                "Do not add the special tokens the tokenizer adds by default ([CLS], BOS, ...)");
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"json", "jsonl", "table"}))
      ->capture_default_str();
  cmd->callback([opt, text] {
    opt->has_text = text->count() > 0;  // an empty --text "" is a valid text
    run(*opt);
  });
}

const Registration kTokenize{"tokenize", 30, setup};

}  // namespace
}  // namespace attnscope::cli
