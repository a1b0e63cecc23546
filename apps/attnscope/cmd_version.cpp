#include <iostream>

#include "commands.h"

namespace attnscope::cli {

void register_version(CLI::App& app) {
  auto* cmd = app.add_subcommand("version", "Print the attnscope version");
  cmd->callback([] { std::cout << "attnscope " << ATTNSCOPE_VERSION << "\n"; });
}

}  // namespace attnscope::cli
