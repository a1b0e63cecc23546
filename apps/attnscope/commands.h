// Each CLI command lives in its own file (cmd_<name>.cpp, picked up by CMake's glob) and adds
// itself to the app through a static registration, so adding a command touches one file:
//
//   static void setup(CLI::App& app) { auto* cmd = app.add_subcommand("info", "..."); ... }
//   static const attnscope::cli::Registration kInfo{"info", 20, setup};
//
// Commands are thin: parse options, call the library, print. Errors propagate as
// attnscope::Error and main() turns them into one line on stderr and an exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace attnscope::cli {

// Exit codes: 0 ok, 1 attnscope::Error (bad input, bad file, ...), 2 usage error, 3 internal.
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 3;

struct Command {
  std::string name;
  int order;  // position in --help: lower first
  std::function<void(CLI::App&)> setup;
};

// All registered commands (filled before main runs).
std::vector<Command>& registry();

struct Registration {
  Registration(std::string name, int order, std::function<void(CLI::App&)> setup) {
    registry().push_back({std::move(name), order, std::move(setup)});
  }
};

}  // namespace attnscope::cli
