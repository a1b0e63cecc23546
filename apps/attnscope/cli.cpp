#include "cli.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "core/error.h"

namespace attnscope::cli {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

namespace {

// Levenshtein distance (insertions, deletions, substitutions), for "did you mean".
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The registered command nearest to `name`, when it is close enough to be a typo (at most a
// third of the letters differ); "" otherwise.
std::string nearest_command(const std::vector<Command>& commands, const std::string& name) {
  std::string best;
  size_t best_distance = std::max<size_t>(1, name.size() / 3) + 1;
  for (const Command& c : commands) {
    const size_t d = edit_distance(name, c.name);
    if (d < best_distance) {
      best = c.name;
      best_distance = d;
    }
  }
  return best;
}

// ATTNSCOPE_PRELOAD set for the length of one command (--preload), then as it was.
class PreloadScope {
 public:
  explicit PreloadScope(bool on) : on_(on) {
    if (!on_) return;
    if (const char* old = std::getenv(kName)) old_ = old;
    ::setenv(kName, "1", 1);
  }
  ~PreloadScope() {
    if (!on_) return;
    if (old_) {
      ::setenv(kName, old_->c_str(), 1);
    } else {
      ::unsetenv(kName);
    }
  }
  PreloadScope(const PreloadScope&) = delete;
  PreloadScope& operator=(const PreloadScope&) = delete;

 private:
  static constexpr const char* kName = "ATTNSCOPE_PRELOAD";
  bool on_;
  std::optional<std::string> old_;
};

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& err) {
  CLI::App app{
      "attnscope: capture and analyse the attention of transformer language models.\n"
      "Every model command takes --model (a model folder, a Hugging Face id in the local cache, "
      "or 'demo')."};
  app.name("attnscope");
  app.require_subcommand(1);
  app.set_version_flag("--version", ATTNSCOPE_VERSION);

  auto commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& command : commands) command.setup(app);

  // --preload may stand anywhere (attnscope --preload analyze ..., or after the command): it is
  // taken out here and holds for every model the command loads (Model::preload).
  app.add_flag("--preload")
      ->description(
          "Read each model's weights into memory when it is loaded (slower start, no page faults "
          "in "
          "the first forward pass; also ATTNSCOPE_PRELOAD=1); any position");
  const auto known = [&](const std::string& name) {
    return std::any_of(commands.begin(), commands.end(),
                       [&](const Command& c) { return c.name == name; });
  };
  std::vector<std::string> words = args;
  const auto end_of_options = std::find(words.begin(), words.end(), "--");
  const auto kept = std::remove(words.begin(), end_of_options, std::string("--preload"));
  const PreloadScope preload_scope(kept != end_of_options);
  words.erase(kept, end_of_options);
  // `attnscope help` and `attnscope help CMD`, as `--help` and `CMD --help`.
  if (!words.empty() && words[0] == "help" && !known("help")) {
    if (words.size() == 1) {
      words = {"--help"};
    } else if (words.size() == 2 && known(words[1])) {
      words = {words[1], "--help"};
    } else {
      err << "attnscope: error: help takes one command name; got '"
          << (words.size() > 1 ? words[1] : "") << "' (attnscope --help)\n";
      return kExitUsage;
    }
  }
  // CLI11 would answer an unknown command with "A subcommand is required"; name it instead, and
  // suggest the nearest one.
  if (!words.empty() && !words[0].empty() && words[0][0] != '-' && !known(words[0])) {
    err << "attnscope: error: unknown command '" << words[0] << "'";
    const std::string nearest = nearest_command(commands, words[0]);
    if (!nearest.empty()) err << "; did you mean '" << nearest << "'?";
    err << " Commands:";
    for (const auto& command : commands) err << " " << command.name;
    err << " (attnscope --help)\n";
    return kExitUsage;
  }

  try {
    std::vector<std::string> reversed(words.rbegin(), words.rend());  // CLI11 takes them reversed
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    // --help and --version print through CLI11 and succeed; every other parse error is a usage
    // error in attnscope's one-line form.
    if (e.get_exit_code() == 0) return app.exit(e, std::cout, err);
    const std::string command = !words.empty() && known(words[0]) ? words[0] + " " : "";
    err << "attnscope: error: " << e.what() << " (attnscope " << command << "--help)\n";
    return kExitUsage;
  } catch (const Error& e) {
    err << "attnscope: error: " << e.what() << "\n";
    return kExitError;
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the user gave that the file system refuses (a symbolic link loop, no permission):
    // the path and the reason, never the library's "filesystem error: status: ..." text.
    err << "attnscope: error: " << (e.path1().empty() ? std::string("a path") : e.path1().string())
        << ": " << e.code().message() << "\n";
    return kExitError;
  } catch (const std::bad_alloc&) {
    err << "attnscope: error: out of memory; try a shorter input or fewer layers\n";
    return kExitError;
  } catch (const std::exception& e) {
    err << "attnscope: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
  return 0;
}

}  // namespace attnscope::cli
