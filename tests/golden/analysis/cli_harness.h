// Runs attnscope commands in-process (their cmd_*.cpp files are compiled into the test), with
// stdout captured and the exit code main() would return, so CLI tests need no other command.
#pragma once

#include <string>
#include <vector>

namespace attnscope::testing {

struct CliResult {
  int exit_code = 0;
  std::string out;    // what the command wrote to std::cout
  std::string error;  // the one-line error main() would print
};

CliResult run_cli(const std::vector<std::string>& args);

}  // namespace attnscope::testing
