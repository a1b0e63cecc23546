// Builds a small random model of any registered architecture, the way the golden generator
// made the tiny models: matrices N(0, 0.2²), norm weights 1 + N(0, 0.1²), biases N(0, 0.1²).
// The tensors carry the architecture's real checkpoint names, so loading goes through the
// ArchSpec's name map and transforms.
#pragma once

#include <random>
#include <string>

#include "model/arch.h"
#include "model/model.h"

namespace attnscope::testing {

inline bool is_norm_weight(const std::string& name) {
  return name.ends_with(".weight") &&
         (name.find("norm") != std::string::npos || name.find("LayerNorm") != std::string::npos ||
          name.find("ln_") != std::string::npos);
}

inline MemoryTensorSource random_weights(const ArchSpec& arch, const ModelConfig& config,
                                         unsigned seed, bool with_prefix = true) {
  std::mt19937 rng(seed);
  MemoryTensorSource source;
  for (const ExpectedTensor& t : expected_tensors(arch, config, with_prefix)) {
    Tensor tensor(t.shape);
    const bool norm = t.shape.size() == 1 && is_norm_weight(t.name);
    const bool bias = t.shape.size() == 1 && !norm;
    std::normal_distribution<float> dist(norm ? 1.0f : 0.0f, norm || bias ? 0.1f : 0.2f);
    for (float& v : tensor.values()) v = dist(rng);
    source.add(t.name, std::move(tensor));
  }
  return source;
}

// A random model of `arch` with the given config.json (e.g. its example_config with edits).
inline Model random_model(const ArchSpec& arch, const nlohmann::json& config, unsigned seed) {
  const ModelConfig parsed = arch.parse_config(config);
  return Model::from_source(config, random_weights(arch, parsed, seed));
}

inline Model random_model(const ArchSpec& arch, unsigned seed) {
  return random_model(arch, nlohmann::json::parse(arch.example_config), seed);
}

}  // namespace attnscope::testing
