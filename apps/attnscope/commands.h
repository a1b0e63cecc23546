// Each CLI command lives in its own file (cmd_<name>.cpp) and registers itself on the app here.
// Commands are thin: parse options, call the library, print. Errors propagate as attnscope::Error
// and main() turns them into one line on stderr and an exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace attnscope::cli {

// Exit codes: 0 ok, 1 attnscope::Error (bad input, bad file, ...), 2 usage error, 3 internal.
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 3;

// Add new commands here and in main.cpp.
void register_version(CLI::App& app);

}  // namespace attnscope::cli
