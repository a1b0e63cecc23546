// The built-in demo model: a small Llama whose weights attnscope constructs itself, so a new user
// with no model downloaded and no network can run `attnscope analyze --model demo --text "..."`,
// and whose heads implement documented circuits (previous-token, first-token sink, self, broad,
// a two-layer induction circuit, plus ordinary random heads). Because the right answer for every
// head is known, the same model proves that the analyzer finds what is there. The construction
// (the math of each circuit) is explained in docs/demo-model.md.
//
// The model is an ordinary Hugging Face folder (config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json, README.md), deterministic to the byte, built from the code in this layer:
//
//   write_demo_model("/tmp/demo");                        // `attnscope demo --export /tmp/demo`
//   std::filesystem::path dir = demo_model_dir();            // cached under ~/.cache/attnscope
// (`--model demo` is resolved with every other spec by model/resolved_model.h.)
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace attnscope::demo {

// Bumped whenever the generated files change; part of the cache folder name (demo-v<N>).
inline constexpr int kDemoModelVersion = 1;

// Shape of the demo model (HF config names).
inline constexpr int64_t kDemoHiddenSize = 256;
inline constexpr int64_t kDemoNumLayers = 2;
inline constexpr int64_t kDemoNumHeads = 4;
inline constexpr int64_t kDemoHeadDim = kDemoHiddenSize / kDemoNumHeads;
inline constexpr int64_t kDemoIntermediateSize = 128;
// Longest input the circuits are built and tested for (max_position_embeddings).
inline constexpr int64_t kDemoMaxPositions = 1024;
inline constexpr double kDemoRopeTheta = 1e8;

// Special token ids (also in config.json and tokenizer.json).
inline constexpr int64_t kDemoUnkId = 0;
inline constexpr int64_t kDemoBosId = 1;
inline constexpr int64_t kDemoEosId = 2;

// What a head was built to do.
enum class DemoRole { kPrevious, kFirst, kSelf, kBroad, kInduction, kRandom };

struct DemoHead {
  int layer;
  int head;
  DemoRole role;
  // METRICS.md pattern class the head shows on ordinary text ("previous", "first", "self",
  // "broad"); empty for heads without one (induction is found by the induction probe, random
  // heads have no designed class).
  std::string_view expected_pattern;
  std::string_view description;
};

// Every head of the demo model, in (layer, head) order.
std::span<const DemoHead> demo_heads();
std::string_view demo_role_name(DemoRole role);

// Texts for examples and the README; every word is in the demo vocabulary. The first one repeats
// a phrase, so the induction head has something to find.
std::span<const std::string_view> demo_sample_texts();

// Writes the demo model's files into `dir` (created if missing). Refuses (InputError) to write
// into a non-empty folder unless it holds a previous demo export, which it replaces. Throws
// IoError when a file cannot be written.
void write_demo_model(const std::filesystem::path& dir);

// True when `dir` holds a complete demo export of this version.
bool is_demo_model_dir(const std::filesystem::path& dir);

// The per-user cache folder for this version: $XDG_CACHE_HOME/attnscope/demo-v<N>, else
// ~/.cache/attnscope/demo-v<N> (does not create it). Throws IoError when neither XDG_CACHE_HOME
// nor HOME is set.
std::filesystem::path demo_cache_dir();

// The demo model's folder, written on first use into demo_cache_dir() atomically (a temporary
// sibling folder renamed into place), reused afterwards when complete.
std::filesystem::path demo_model_dir();

}  // namespace attnscope::demo
