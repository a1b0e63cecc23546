// Runs attnscope commands in-process through cli::run_cli(), exactly as the binary does, with
// stdout and the error line captured. A test using it lists support/cli_harness.cpp in its
// sources and links attnscope_cli (an OBJECT library, so every command's registration is in).
//
//   CliResult r = run_cli({"info", "--model", "demo", "--format", "json"});
//   ASSERT_EQ(r.exit_code, 0) << r.error;
#pragma once

#include <string>
#include <vector>

namespace attnscope::testing {

struct CliResult {
  int exit_code = 0;
  std::string out;    // what the command wrote to std::cout
  std::string error;  // what it wrote to the error stream ("attnscope: error: ...")
};

CliResult run_cli(const std::vector<std::string>& args);

}  // namespace attnscope::testing
