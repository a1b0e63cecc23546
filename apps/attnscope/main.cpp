// attnscope: the command-line front end. See `attnscope --help`; the commands are in cmd_*.cpp.
#include <iostream>

#include "cli.h"

int main(int argc, char** argv) {
  return attnscope::cli::run_cli({argv + 1, argv + argc}, std::cerr);
}
