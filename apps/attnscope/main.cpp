// attnscope: the command-line front end. See `attnscope --help`.
#include <exception>
#include <iostream>

#include "commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "attnscope: capture and analyse the attention of transformer language models.\n"
      "Every command takes --model (a model folder, a Hugging Face id in the local cache, or "
      "'demo')."};
  app.require_subcommand(1);
  app.set_version_flag("--version", ATTNSCOPE_VERSION);

  attnscope::cli::register_version(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : attnscope::cli::kExitUsage;
  } catch (const attnscope::Error& e) {
    std::cerr << "attnscope: error: " << e.what() << "\n";
    return attnscope::cli::kExitError;
  } catch (const std::bad_alloc&) {
    std::cerr << "attnscope: error: out of memory (try --max-memory, fewer layers or shorter "
                 "input)\n";
    return attnscope::cli::kExitError;
  } catch (const std::exception& e) {
    std::cerr << "attnscope: internal error: " << e.what() << "\n";
    return attnscope::cli::kExitInternal;
  }
  return 0;
}
