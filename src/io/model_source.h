// Where a model's files are: every `--model` value becomes a local folder holding config.json,
// the weights and the tokenizer files. Accepted:
//   * a folder path (must contain config.json);
//   * a Hugging Face id, "gpt2" or "org/name", optionally "@revision" (a branch/tag name under
//     refs/, or a snapshot's commit hash), found in the local Hugging Face cache:
//     $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
//     ~/.cache/huggingface/hub; also $TRANSFORMERS_CACHE when set. The cache layout is
//     models--ORG--NAME/{refs/main, snapshots/<commit>/...}.
// A Hub id not in the cache is downloaded into the first cache folder (io/hub_download.h), unless
// HF_HUB_OFFLINE is set (then an IoError names the missing file). The special value "demo" (the
// built-in demo model) is NOT handled here: callers check for it before calling resolve_model_path.
//
//   if (spec == "demo") return make_demo_model();
//   std::filesystem::path dir = resolve_model_path(spec);   // e.g. ".../snapshots/607a30d.../"
//   nlohmann::json config = load_json_file((dir / "config.json").string());
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

namespace attnscope {

// Resolves `spec` to a folder containing config.json, or to a GGUF file given by its path
// (looks_like_gguf; Model::load reads both). Throws InputError for an empty or
// malformed spec, and IoError (saying every place it looked, what the folder lacks, or why the
// download failed) otherwise.
std::filesystem::path resolve_model_path(std::string_view spec);

// The Hugging Face hub cache folders searched, in order, from the environment (they may not
// exist).
std::vector<std::filesystem::path> hf_cache_dirs();

}  // namespace attnscope
