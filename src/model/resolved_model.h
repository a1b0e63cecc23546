// What a `--model` value names, resolved once per command: the one place that turns the text a
// user typed into a model source, for the CLI, the server and the Python module alike.
//   * "demo": the built-in demo model's folder (demo/demo_model.h), written on first use;
//   * a .gguf file (by name or by its magic): the file itself, kind kGgufFile;
//   * a folder holding config.json, or a Hugging Face id "[org/]name[@revision]" found in the
//     local cache or downloaded from the Hub (io/model_source.h): the folder, kind kFolder.
// A folder's config.json is read and parsed by its ArchSpec here, once, so a command that needs
// the config (sizes, trained length, memory estimate) never reads or resolves it again.
//
//   const ResolvedModel model = resolve_model("gpt2");       // folder in the HF cache
//   if (model.kind == ModelKind::kFolder) std::cout << model.config->describe();
//   const ResolvedModel gguf = resolve_model("stories-q4_0.gguf");   // kind kGgufFile
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "model/config.h"

namespace attnscope {

enum class ModelKind {
  kFolder,    // config.json + *.safetensors (+ tokenizer files)
  kGgufFile,  // one GGUF file: hyper-parameters, weights and tokenizer in one file
};

struct ResolvedModel {
  std::string spec;  // what the user typed ("demo", "gpt2", "models/x", "m.gguf")
  ModelKind kind = ModelKind::kFolder;
  std::filesystem::path path;  // the folder, or the .gguf file
  bool demo = false;           // the built-in demo model
  // With ResolveOptions::read_config: config.json as read (for a GGUF file, the one its metadata
  // maps to: model/gguf_source.h) and as parsed by its ArchSpec. Empty when not asked for, and
  // for a GGUF file of an architecture attnscope does not run (`config_error` says why; `info`
  // and `tokenize` still read such a file).
  nlohmann::json config_json;
  std::optional<ModelConfig> config;
  std::string config_error;
};

struct ResolveOptions {
  // Read and parse config.json (UnsupportedError for an unknown architecture, ConfigError for a
  // bad field). Off for callers that need only the files (a tokenizer).
  bool read_config = true;
};

// Throws InputError for an empty spec, IoError saying where it looked (a missing folder or
// file, a folder without config.json, a Hub id not cached while offline), and the config's
// errors when read_config.
ResolvedModel resolve_model(std::string_view spec, const ResolveOptions& options = {});

// The parsed config of a model that is to run. UnsupportedError naming `what` (the command or
// feature) for a GGUF file of an architecture attnscope does not run; ConfigError when it was
// resolved without read_config.
const ModelConfig& run_config(const ResolvedModel& model, std::string_view what);

}  // namespace attnscope
