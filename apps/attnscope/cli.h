// The whole command line as a function, so tests run commands in-process exactly as the binary
// does (main.cpp only forwards argv here).
//
//   int code = attnscope::cli::run_cli({"info", "--model", "demo"});
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace attnscope::cli {

// Parses `args` (without the program name), runs the command, and returns the exit code
// (commands.h). attnscope errors are printed to `err` as one line: "attnscope: error: ...".
int run_cli(const std::vector<std::string>& args, std::ostream& err);

}  // namespace attnscope::cli
