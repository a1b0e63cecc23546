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

std::filesystem::path tokenizer_folder(const std::string& spec) {
  // Tokenizer-only folders have no config.json, which resolve_model requires.
  if (!spec.empty() && std::filesystem::is_directory(spec)) return spec;
  return resolve_model(spec);
}

nlohmann::ordered_json to_json(const Encoding& e) {
  nlohmann::ordered_json out;
  out["ids"] = e.ids;
  out["tokens"] = e.tokens;
  nlohmann::ordered_json offsets = nlohmann::ordered_json::array();
  for (const auto& [start, end] : e.offsets) offsets.push_back({start, end});
  out["offsets"] = offsets;
  out["special_mask"] = e.special_mask;
  return out;
}

std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The code points [start, end) of `text`, with control characters escaped for a terminal.
std::string shown_span(const std::string& text, int64_t start, int64_t end) {
  std::string out;
  int64_t index = 0;
  size_t pos = 0;
  while (pos < text.size() && index < end) {
    const size_t at = pos;
    pos += std::max<size_t>(1, [&] {
      const auto b = static_cast<unsigned char>(text[at]);
      return b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : 4;
    }());
    if (index >= start) {
      const char c = text[at];
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else {
        out.append(text, at, pos - at);
      }
    }
    ++index;
  }
  return out;
}

void print_table(const std::string& text, const Encoding& e, std::ostream& out) {
  out << std::left << std::setw(6) << "pos" << std::setw(10) << "id" << std::setw(24) << "token"
      << std::setw(14) << "offsets" << std::setw(9) << "special"
      << "text\n";
  for (size_t i = 0; i < e.size(); ++i) {
    const auto [start, end] = e.offsets[i];
    std::ostringstream range;
    range << start << ".." << end;
    // setw counts bytes; pad by code points so UTF-8 tokens line up.
    const std::string& token = e.tokens[i];
    const size_t width = display_width(token);
    out << std::setw(6) << i << std::setw(10) << e.ids[i] << token
        << std::string(width < 24 ? 24 - width : 1, ' ') << std::setw(14) << range.str()
        << std::setw(9) << (e.special_mask[i] ? "yes" : "") << shown_span(text, start, end) << "\n";
  }
}

void run(const TokenizeOptions& opt) {
  if (!opt.has_text && opt.input.empty()) throw InputError("give --text TEXT or --input FILE");
  const Tokenizer tok = Tokenizer::load(tokenizer_folder(opt.model));
  const std::vector<std::string> texts =
      opt.input.empty() ? std::vector<std::string>{opt.text} : read_input_texts(opt.input);
  const bool add_special = !opt.no_special_tokens;
  if (opt.format == "jsonl") {
    for (const auto& text : texts)
      std::cout << dump(to_json(tok.encode(text, add_special))) << "\n";
  } else if (opt.format == "json") {
    if (texts.size() == 1 && opt.input.empty()) {
      std::cout << dump(to_json(tok.encode(texts[0], add_special))) << "\n";
    } else {
      nlohmann::ordered_json all = nlohmann::ordered_json::array();
      for (const auto& text : texts) all.push_back(to_json(tok.encode(text, add_special)));
      std::cout << dump(all) << "\n";
    }
  } else {
    for (size_t t = 0; t < texts.size(); ++t) {
      if (texts.size() > 1) std::cout << (t > 0 ? "\n" : "") << "text " << t << "\n";
      print_table(texts[t], tok.encode(texts[t], add_special), std::cout);
    }
  }
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand(
      "tokenize", "Tokenize text like Hugging Face: ids, tokens, offsets, special-tokens mask");
  cmd->add_option("--model,-m", opt->model,
                  "Model or tokenizer folder (tokenizer.json, vocab.txt, vocab.json + merges.txt "
                  "or tokenizer.model), or a Hugging Face id in the local cache")
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
