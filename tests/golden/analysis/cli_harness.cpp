#include "cli_harness.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "core/error.h"

namespace attnscope::cli {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

}  // namespace attnscope::cli

namespace attnscope::testing {

CliResult run_cli(const std::vector<std::string>& args) {
  CLI::App app{"attnscope (test harness)"};
  app.require_subcommand(1);
  auto commands = cli::registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& command : commands) command.setup(app);

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed list
  CliResult result;
  std::ostringstream captured;
  std::streambuf* saved = std::cout.rdbuf(captured.rdbuf());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    result.exit_code = e.get_exit_code() == 0 ? 0 : cli::kExitUsage;
    result.error = e.what();
  } catch (const Error& e) {
    result.exit_code = cli::kExitError;
    result.error = e.what();
  } catch (const std::exception& e) {
    result.exit_code = cli::kExitInternal;
    result.error = e.what();
  }
  std::cout.rdbuf(saved);
  result.out = captured.str();
  return result;
}

}  // namespace attnscope::testing
