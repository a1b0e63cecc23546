// attnscope: the command-line front end. See `attnscope --help`.
#include <algorithm>
#include <exception>
#include <iostream>

#include "commands.h"
#include "core/error.h"

namespace attnscope::cli {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

}  // namespace attnscope::cli

int main(int argc, char** argv) {
  CLI::App app{
      "attnscope: capture and analyse the attention of transformer language models.\n"
      "Every model command takes --model (a model folder, a Hugging Face id in the local cache, "
      "or 'demo')."};
  app.require_subcommand(1);
  app.set_version_flag("--version", ATTNSCOPE_VERSION);

  auto& commands = attnscope::cli::registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& command : commands) command.setup(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : attnscope::cli::kExitUsage;
  } catch (const attnscope::Error& e) {
    std::cerr << "attnscope: error: " << e.what() << "\n";
    return attnscope::cli::kExitError;
  } catch (const std::bad_alloc&) {
    std::cerr << "attnscope: error: out of memory (try --max-memory, fewer layers or shorter "
                 "input)\n";
    return attnscope::cli::kExitError;
  } catch (const std::exception& e) {
    std::cerr << "attnscope: internal error: " << e.what() << "\n";
    return attnscope::cli::kExitInternal;
  }
  return 0;
}
