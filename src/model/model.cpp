#include "model/model.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "core/error.h"
#include "core/mapped_file.h"
#include "io/gguf.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/arch.h"
#include "model/gguf_source.h"

namespace attnscope {

ForwardInput ForwardInput::single(std::vector<int64_t> ids) {
  ForwardInput input;
  input.batch = 1;
  input.tokens = static_cast<int64_t>(ids.size());
  input.ids = std::move(ids);
  return input;
}

ForwardInput ForwardInput::padded(const std::vector<std::vector<int64_t>>& sequences,
                                  int64_t pad_id) {
  ForwardInput input;
  input.batch = static_cast<int64_t>(sequences.size());
  for (const auto& sequence : sequences) {
    input.tokens = std::max(input.tokens, static_cast<int64_t>(sequence.size()));
  }
  input.ids.assign(input.batch * input.tokens, pad_id);
  input.attention_mask.assign(input.batch * input.tokens, 0);
  for (int64_t b = 0; b < input.batch; ++b) {
    for (size_t t = 0; t < sequences[b].size(); ++t) {
      input.ids[b * input.tokens + t] = sequences[b][t];
      input.attention_mask[b * input.tokens + t] = 1;
    }
  }
  return input;
}

Model Model::load(const std::string& folder) {
  if (looks_like_gguf(folder)) return load_gguf(folder);
  const std::filesystem::path dir(folder);
  const nlohmann::json config = load_json_file((dir / "config.json").string());
  const CheckpointSource source(SafetensorsCheckpoint::open(folder));
  return from_source(config, source);
}

Model Model::load_gguf(const std::string& path) {
  auto file = std::make_shared<const GgufFile>(path);
  const nlohmann::json config_json = gguf_config_json(*file);
  const ArchSpec& arch = find_arch(config_json);
  const GgufTensorSource source(file);  // llama's q/k rows read back in Hugging Face order
  Model model = from_parsed(arch, arch.parse_config(config_json), source);
  model.gguf_path_ = path;
  return model;
}

ModelConfig Model::read_config(const std::string& folder_or_gguf) {
  const nlohmann::json json =
      looks_like_gguf(folder_or_gguf)
          ? gguf_config_json(GgufFile(folder_or_gguf))
          : load_json_file((std::filesystem::path(folder_or_gguf) / "config.json").string());
  return find_arch(json).parse_config(json);
}

Model Model::from_source(const nlohmann::json& config_json, const TensorSource& source) {
  const ArchSpec& arch = find_arch(config_json);
  return from_parsed(arch, arch.parse_config(config_json), source);
}

Model Model::from_parsed(const ArchSpec& arch, ModelConfig config, const TensorSource& source) {
  Model model;
  model.config_ = std::move(config);
  WeightReader reader(source, std::string(arch.base_prefix), arch.ignored_tensors());
  model.weights_ = arch.load_weights(reader, model.config_);
  // ATTNSCOPE_WEIGHTS=copy: every matrix as an owned f32 [out, in] copy, as before weights were
  // read in place (to compare the two; the results agree within f32 rounding).
  if (const char* mode = std::getenv("ATTNSCOPE_WEIGHTS"); mode != nullptr && *mode != '\0') {
    const std::string_view value(mode);
    if (value == "copy") {
      model.weights_.materialise();
    } else if (value != "in-place") {
      throw ConfigError("ATTNSCOPE_WEIGHTS", "unknown value '" + std::string(value) +
                                                 "': use in-place (the default) or copy");
    }
  }
  model.unused_ = reader.unused();
  model.weight_dtype_ = reader.dominant_dtype();
  if (const char* preload = std::getenv("ATTNSCOPE_PRELOAD"); preload != nullptr && *preload) {
    const std::string_view value(preload);
    if (value == "1") {
      model.preload();
    } else if (value != "0") {
      throw ConfigError("ATTNSCOPE_PRELOAD",
                        "unknown value '" + std::string(value) + "': use 1 (preload) or 0");
    }
  }
  return model;
}

void Model::preload() const {
  weights_.for_each_weight([](const Weight& w) {
    if (w.empty() || !w.is_view() || w.rank() != 2) return;
    for (const auto& [data, bytes] : w.view().stored_ranges()) prefault_read(data, bytes);
  });
}

std::optional<int64_t> max_input_tokens(const ModelConfig& config) {
  if (config.position != PositionKind::kAbsolute) return std::nullopt;
  int64_t limit = config.max_position_embeddings;
  // RoBERTa numbers real tokens from pad + 1 (position_ids below).
  if (config.position_ids == PositionIds::kRobertaAfterPadding && config.pad_token_id) {
    limit -= *config.pad_token_id + 1;
  }
  return std::max<int64_t>(0, limit);
}

std::vector<int64_t> position_ids(const ModelConfig& config, const ForwardInput& input) {
  std::vector<int64_t> positions(input.batch * input.tokens);
  for (int64_t b = 0; b < input.batch; ++b) {
    int64_t real_tokens = 0;
    for (int64_t t = 0; t < input.tokens; ++t) {
      const int64_t n = b * input.tokens + t;
      if (config.position_ids == PositionIds::kRobertaAfterPadding) {
        // HF create_position_ids_from_input_ids: cumsum(ids != pad) * (ids != pad) + pad.
        const int64_t pad = *config.pad_token_id;
        if (input.ids[n] != pad) ++real_tokens;
        positions[n] = input.ids[n] != pad ? real_tokens + pad : pad;
      } else {
        positions[n] = t;
      }
    }
  }
  return positions;
}

void validate_forward_input(const ModelConfig& config, const ModelWeights& weights,
                            const ForwardInput& input, const ForwardOptions& options) {
  if (input.batch < 1)
    throw InputError("batch must be at least 1, got " + std::to_string(input.batch));
  if (input.tokens < 1) throw InputError("input has no tokens");
  const int64_t count = input.batch * input.tokens;
  if (static_cast<int64_t>(input.ids.size()) != count) {
    throw InputError("ids hold " + std::to_string(input.ids.size()) + " values; expected batch " +
                     std::to_string(input.batch) + " x tokens " + std::to_string(input.tokens));
  }
  for (int64_t n = 0; n < count; ++n) {
    if (input.ids[n] < 0 || input.ids[n] >= config.vocab_size) {
      throw InputError("token id " + std::to_string(input.ids[n]) + " at sequence " +
                       std::to_string(n / input.tokens) + ", position " +
                       std::to_string(n % input.tokens) + " is outside the vocabulary [0, " +
                       std::to_string(config.vocab_size) + ")");
    }
  }
  if (!input.attention_mask.empty()) {
    if (static_cast<int64_t>(input.attention_mask.size()) != count) {
      throw InputError("attention_mask holds " + std::to_string(input.attention_mask.size()) +
                       " values; expected " + std::to_string(count));
    }
    for (int64_t m : input.attention_mask) {
      if (m != 0 && m != 1)
        throw InputError("attention_mask values must be 0 or 1, got " + std::to_string(m));
    }
  }
  if (!input.token_type_ids.empty()) {
    if (static_cast<int64_t>(input.token_type_ids.size()) != count) {
      throw InputError("token_type_ids hold " + std::to_string(input.token_type_ids.size()) +
                       " values; expected " + std::to_string(count));
    }
    for (int64_t type : input.token_type_ids) {
      if (type < 0 || type >= std::max<int64_t>(config.type_vocab_size, 1)) {
        throw InputError("token type id " + std::to_string(type) + " is outside [0, " +
                         std::to_string(std::max<int64_t>(config.type_vocab_size, 1)) + ")");
      }
    }
  }
  if (config.position == PositionKind::kAbsolute) {
    const std::vector<int64_t> positions = position_ids(config, input);
    const int64_t max_position = *std::max_element(positions.begin(), positions.end());
    if (max_position >= config.max_position_embeddings) {
      throw InputError("sequence of " + std::to_string(input.tokens) +
                       " tokens needs position id " + std::to_string(max_position) +
                       " but the model has max_position_embeddings " +
                       std::to_string(config.max_position_embeddings));
    }
  }
  if (options.logits && !weights.has_lm_head()) {
    throw UnsupportedError("logits requested but the " + config.family +
                           " checkpoint has no language-model head");
  }
}

}  // namespace attnscope
