// Writing the demo model folder, caching it per user, and resolving "demo" as a --model value.
#include "demo/demo_model.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>

#include "core/error.h"
#include "demo/vocabulary.h"
#include "demo/weights.h"
#include "io/json_file.h"
#include "io/model_source.h"
#include "io/safetensors.h"

namespace attnscope::demo {
namespace {

namespace fs = std::filesystem;

// The files of an export; a folder holding all of them with the right version is complete.
constexpr std::array<std::string_view, 5> kFiles = {
    "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md"};

constexpr std::string_view kVersionKey = "attnscope_demo_version";

constexpr auto kHeads = std::to_array<DemoHead>({
    {0, 0, DemoRole::kPrevious, "previous",
     "previous-token head: attends to query_pos - 1; its OV circuit copies that token's code "
     "into the residual stream for the induction head"},
    {0, 1, DemoRole::kFirst, "first", "first-token sink: attends to <s> at position 0"},
    {0, 2, DemoRole::kSelf, "self", "self head: attends to query_pos itself"},
    {0, 3, DemoRole::kRandom, "", "ordinary head with random (seeded) weights"},
    {1, 0, DemoRole::kInduction, "",
     "induction head: attends to the token after an earlier occurrence of the current token "
     "(falls back to <s> when there is none, so ordinary text shows it as 'first')"},
    {1, 1, DemoRole::kBroad, "broad", "broad head: near-uniform attention over all keys"},
    {1, 2, DemoRole::kRandom, "", "ordinary head with random (seeded) weights"},
    {1, 3, DemoRole::kRandom, "", "ordinary head with random (seeded) weights"},
});

constexpr auto kSampleTexts = std::to_array<std::string_view>({
    "the cat sat on the mat . the cat sat on the mat .",
    "once upon a time there was a little girl who lived in a small house near the woods .",
    "the quick brown fox jumps over the lazy dog .",
});

nlohmann::ordered_json config_json() {
  return {
      {"architectures", {"LlamaForCausalLM"}},
      {"model_type", "llama"},
      {"attention_bias", false},
      {"attention_dropout", 0.0},
      {"bos_token_id", kDemoBosId},
      {"eos_token_id", kDemoEosId},
      {"hidden_act", "silu"},
      {"hidden_size", kDemoHiddenSize},
      {"initializer_range", 0.02},
      {"intermediate_size", kDemoIntermediateSize},
      {"max_position_embeddings", kDemoMaxPositions},
      {"mlp_bias", false},
      {"num_attention_heads", kDemoNumHeads},
      {"num_hidden_layers", kDemoNumLayers},
      {"num_key_value_heads", kDemoNumHeads},
      {"pretraining_tp", 1},
      {"rms_norm_eps", 1e-6},
      {"rope_scaling", nullptr},
      {"rope_theta", kDemoRopeTheta},
      {"tie_word_embeddings", false},
      {"torch_dtype", "float32"},
      {"use_cache", true},
      {"vocab_size", demo_vocabulary().size()},
      {std::string(kVersionKey), kDemoModelVersion},
  };
}

// Markdown would read "<s>" as an HTML tag.
std::string markdown_escaped(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "<s>") {
      out += "`<s>`";
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string readme_text() {
  std::string text =
      "# attnscope demo model (version " + std::to_string(kDemoModelVersion) +
      ")\n\n"
      "A 2-layer, 4-head Llama whose weights attnscope constructs in closed form, so every head's\n"
      "behaviour is known. Written by `attnscope demo --export DIR`; the construction is\n"
      "explained in attnscope's docs/demo-model.md. The weights do not model language: the\n"
      "only prediction it makes is the induction one (after `a b ... a` it predicts `b`).\n\n"
      "| layer | head | built as |\n|---|---|---|\n";
  for (const DemoHead& head : kHeads) {
    text += "| " + std::to_string(head.layer) + " | " + std::to_string(head.head) + " | " +
            markdown_escaped(head.description) + " |\n";
  }
  text += "\nVocabulary: " + std::to_string(demo_vocabulary().size()) +
          " lowercase English words and punctuation (WordLevel); other words become `<unk>`.\n"
          "Circuits are built and tested for up to " +
          std::to_string(kDemoMaxPositions) + " tokens.\n";
  return text;
}

// Writes `content` to `path` through a temporary file and a rename.
void write_file_atomically(const fs::path& path, std::string_view content) {
  const fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(temp.string(), "cannot open for writing");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) throw IoError(temp.string(), "write failed");
  }
  std::error_code error;
  fs::rename(temp, path, error);
  if (error) throw IoError(path.string(), "cannot rename temporary file: " + error.message());
}

std::string json_text(const nlohmann::ordered_json& json) { return json.dump(2) + "\n"; }

// The export's version when `dir` holds a demo export (complete or not), else nullopt.
std::optional<int> export_version(const fs::path& dir) {
  const fs::path config = dir / "config.json";
  std::error_code error;
  if (!fs::is_regular_file(config, error)) return std::nullopt;
  try {
    const nlohmann::json json = load_json_file(config.string());
    const auto it = json.find(kVersionKey);
    if (it == json.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int>();
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool is_empty_dir(const fs::path& dir) {
  std::error_code error;
  return fs::is_directory(dir, error) && fs::is_empty(dir, error) && !error;
}

}  // namespace

std::span<const DemoHead> demo_heads() { return kHeads; }

std::string_view demo_role_name(DemoRole role) {
  switch (role) {
    case DemoRole::kPrevious:
      return "previous-token";
    case DemoRole::kFirst:
      return "first-token sink";
    case DemoRole::kSelf:
      return "self";
    case DemoRole::kBroad:
      return "broad";
    case DemoRole::kInduction:
      return "induction";
    case DemoRole::kRandom:
      return "random";
  }
  return "unknown";
}

std::span<const std::string_view> demo_sample_texts() { return kSampleTexts; }

void write_demo_model(const fs::path& dir) {
  std::error_code error;
  if (fs::exists(dir, error)) {
    if (!fs::is_directory(dir, error)) {
      throw InputError("cannot export the demo model to '" + dir.string() +
                       "': it exists and is not a folder");
    }
    if (!is_empty_dir(dir) && !export_version(dir)) {
      throw InputError("cannot export the demo model to '" + dir.string() +
                       "': the folder is not empty and holds no earlier demo export; choose an "
                       "empty or new folder");
    }
  } else {
    fs::create_directories(dir, error);
    if (error) throw IoError(dir.string(), "cannot create folder: " + error.message());
  }

  SafetensorsWriter weights;
  for (const auto& [name, tensor] : demo_weights()) weights.add_f32(name, tensor);
  weights.set_metadata("format", "pt");
  weights.set_metadata("attnscope_demo_version", std::to_string(kDemoModelVersion));
  weights.write((dir / "model.safetensors").string());
  write_file_atomically(dir / "tokenizer.json", json_text(demo_tokenizer_json()));
  write_file_atomically(dir / "tokenizer_config.json", json_text(demo_tokenizer_config_json()));
  write_file_atomically(dir / "README.md", readme_text());
  // config.json last: its version key marks the folder as a demo export.
  write_file_atomically(dir / "config.json", json_text(config_json()));
}

bool is_demo_model_dir(const fs::path& dir) {
  if (export_version(dir) != kDemoModelVersion) return false;
  std::error_code error;
  for (const std::string_view file : kFiles) {
    if (!fs::is_regular_file(dir / file, error)) return false;
  }
  return true;
}

fs::path demo_cache_dir() {
  const std::string leaf = "demo-v" + std::to_string(kDemoModelVersion);
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && fs::path(xdg).is_absolute()) return fs::path(xdg) / "attnscope" / leaf;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    throw IoError("~/.cache/attnscope",
                  "cannot place the demo model cache: neither XDG_CACHE_HOME nor HOME is set "
                  "(or export the model with `attnscope demo --export DIR` and pass --model DIR)");
  }
  return fs::path(home) / ".cache" / "attnscope" / leaf;
}

fs::path demo_model_dir() {
  const fs::path dir = demo_cache_dir();
  if (is_demo_model_dir(dir)) return dir;

  std::error_code error;
  fs::create_directories(dir.parent_path(), error);
  if (error) throw IoError(dir.parent_path().string(), "cannot create folder: " + error.message());

  // Build beside the final place, then rename: readers never see a half-written folder, and
  // concurrent first uses each build their own copy and the first rename wins.
  static std::atomic<int> counter{0};
  const fs::path temp =
      dir.parent_path() / ("." + dir.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                           "-" + std::to_string(counter++));
  fs::remove_all(temp, error);
  try {
    write_demo_model(temp);
  } catch (...) {
    fs::remove_all(temp, error);
    throw;
  }
  if (fs::exists(dir, error) && !is_demo_model_dir(dir)) {
    if (!export_version(dir) && !is_empty_dir(dir)) {
      fs::remove_all(temp, error);
      throw IoError(dir.string(), "the demo model cache folder holds something else; remove it");
    }
    fs::remove_all(dir, error);  // an incomplete or damaged earlier demo export
  }
  fs::rename(temp, dir, error);
  if (error) {
    const std::string reason = error.message();
    fs::remove_all(temp, error);
    if (is_demo_model_dir(dir)) return dir;  // another process won the race
    throw IoError(dir.string(), "cannot move the demo model into place: " + reason);
  }
  return dir;
}

}  // namespace attnscope::demo
