// Every example a user can copy runs as printed: the lines of README.md and docs/*.md code
// blocks that start with `attnscope ` (or `$ attnscope `), and the `  attnscope ...` lines of
// every command's --help. Each source's examples run in order in one fresh folder, so an example
// may use a file an earlier one of the same source wrote (`--out fox.safetensors`, then
// `--attentions fox.safetensors`); a `printf ... > FILE` line in a code block is such a step too.
// Examples may use only the demo model and those files.
//
// Not run: `attnscope serve` (it runs until stopped; tests/api and tests/e2e start it) and
// lines that show output (`attnscope serve: http://...`).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;

struct Example {
  std::string where;  // "docs/analysis.md:12"
  std::string command;
};

bool runnable(const std::string& line) {
  if (line.rfind("attnscope serve", 0) == 0) return false;  // runs until stopped / output
  return line.rfind("attnscope ", 0) == 0 || line.rfind("printf ", 0) == 0;
}

std::string trim(std::string s) {
  const size_t start = s.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  s = s.substr(start);
  if (s.rfind("$ ", 0) == 0) s = s.substr(2);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<Example> markdown_examples(const fs::path& file, const std::string& name) {
  std::vector<Example> out;
  std::ifstream in(file);
  bool in_block = false;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.rfind("```", 0) == 0) {
      in_block = !in_block;
      continue;
    }
    const std::string command = trim(line);
    if (in_block && runnable(command))
      out.push_back({name + ":" + std::to_string(number), command});
  }
  return out;
}

// Runs `command` in `dir` with the built binary first on PATH; "" when it exits 0, else the
// exit status and the end of its stderr.
std::string run(const fs::path& dir, const std::string& command) {
  const fs::path bin = fs::path(ATTNSCOPE_BINARY).parent_path();
  std::string quoted;  // the command inside single quotes
  for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string script = "cd '" + dir.string() + "' && PATH='" + bin.string() +
                             "':\"$PATH\" bash -c '" + quoted + "' >/dev/null 2>stderr.txt";
  const int status = std::system(script.c_str());
  if (status == 0) return "";
  std::ifstream err(dir / "stderr.txt");
  std::stringstream text;
  text << err.rdbuf();
  std::string message = text.str();
  if (message.size() > 600) message = "..." + message.substr(message.size() - 600);
  return "exit status " + std::to_string(status) + ": " + message;
}

void run_all(const std::vector<Example>& examples) {
  testing::TempDir dir;
  for (const Example& e : examples) {
    EXPECT_EQ(run(dir.path(), e.command), "") << e.where << ": " << e.command;
  }
}

TEST(Examples, ReadmeAndDocsRunAsPrinted) {
  const fs::path root = ATTNSCOPE_SOURCE_DIR;
  std::vector<fs::path> files = {root / "README.md"};
  for (const auto& entry : fs::directory_iterator(root / "docs")) {
    if (entry.path().extension() == ".md") files.push_back(entry.path());
  }
  int count = 0;
  for (const fs::path& file : files) {
    const auto examples = markdown_examples(file, fs::relative(file, root).string());
    count += static_cast<int>(examples.size());
    run_all(examples);
  }
  EXPECT_GE(count, 10);  // the collector still finds them
}

TEST(Examples, HelpExamplesRunAsPrinted) {
  testing::TempDir dir;
  const std::string commands = run(dir.path(), "attnscope --help > help.txt");
  ASSERT_EQ(commands, "");
  // The command names: the lines of the "Subcommands:" section.
  std::ifstream help(dir.path() / "help.txt");
  std::vector<std::string> names;
  bool in_list = false;
  for (std::string line; std::getline(help, line);) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_list = true;
      continue;
    }
    if (in_list && line.size() > 2 && line[0] == ' ' && line[1] == ' ' && line[2] != ' ') {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else if (in_list && line.empty()) {
      in_list = false;
    }
  }
  ASSERT_GE(names.size(), 8u) << "no command list in attnscope --help";
  int count = 0;
  for (const std::string& name : names) {
    ASSERT_EQ(run(dir.path(), "attnscope " + name + " --help > cmd.txt"), "") << name;
    std::ifstream in(dir.path() / "cmd.txt");
    std::vector<Example> examples;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("  attnscope ", 0) != 0 && line.rfind("  printf ", 0) != 0) continue;
      const std::string command = trim(line);
      if (runnable(command)) examples.push_back({name + " --help", command});
    }
    count += static_cast<int>(examples.size());
    run_all(examples);
  }
  EXPECT_GE(count, 10);
}

}  // namespace
}  // namespace attnscope
