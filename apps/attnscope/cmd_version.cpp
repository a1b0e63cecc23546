#include <iostream>

#include "commands.h"

namespace attnscope::cli {
namespace {

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("version", "Print the attnscope version");
  cmd->callback([] { std::cout << "attnscope " << ATTNSCOPE_VERSION << "\n"; });
}

const Registration kVersion{"version", 1000, setup};

}  // namespace
}  // namespace attnscope::cli
