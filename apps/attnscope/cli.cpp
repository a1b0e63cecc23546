#include "cli.h"

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

  // CLI11 would answer an unknown command with "A subcommand is required"; name it instead.
  if (!args.empty() && !args[0].empty() && args[0][0] != '-' &&
      std::none_of(commands.begin(), commands.end(),
                   [&](const Command& c) { return c.name == args[0]; })) {
    err << "attnscope: error: unknown command '" << args[0] << "'; commands:";
    for (const auto& command : commands) err << " " << command.name;
    err << " (attnscope --help)\n";
    return kExitUsage;
  }

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, std::cout, err) == 0 ? 0 : kExitUsage;
  } catch (const Error& e) {
    err << "attnscope: error: " << e.what() << "\n";
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
