#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "core/error.h"
#include "io/model_source.h"

namespace attnscope::cli {
namespace {

// `attnscope download ORG/NAME[@REVISION]`: fetches the model into the Hugging Face cache (unless
// it is there already) and prints its snapshot folder, for scripts:
//   attnscope info --model "$(attnscope download openai-community/gpt2)"
void download(const std::string& spec) {
  std::error_code ec;
  if (std::filesystem::exists(spec, ec)) {
    throw InputError("download: '" + spec + "' is a local path; give a Hub id ORG/NAME[@REVISION]");
  }
  std::cout << resolve_model_path(spec).string() << "\n";
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "download",
      "Download a model from the Hugging Face Hub into the local cache (config, safetensors, "
      "tokenizer files; never pickles) and print its snapshot folder. Honours HF_ENDPOINT, "
      "HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE");
  auto spec = std::make_shared<std::string>();
  cmd->add_option("model", *spec,
                  "Hub id: ORG/NAME or NAME, optionally @REVISION (branch, tag "
                  "or commit hash)")
      ->required();
  cmd->callback([spec] { download(*spec); });
}

const Registration kDownload{"download", 5, setup};

}  // namespace
}  // namespace attnscope::cli
