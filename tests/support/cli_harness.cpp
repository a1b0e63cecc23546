#include "support/cli_harness.h"

#include <iostream>
#include <sstream>

#include "cli.h"

namespace attnscope::testing {

CliResult run_cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  std::streambuf* saved = std::cout.rdbuf(out.rdbuf());
  CliResult result;
  try {
    result.exit_code = cli::run_cli(args, err);
  } catch (...) {
    std::cout.rdbuf(saved);
    throw;
  }
  std::cout.rdbuf(saved);
  result.out = out.str();
  result.error = err.str();
  return result;
}

}  // namespace attnscope::testing
