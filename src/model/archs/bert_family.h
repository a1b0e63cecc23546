// What BERT and RoBERTa share: the same module tree (embeddings.*, encoder.layer.N.*), post-norm
// LayerNorm blocks, learned absolute positions plus token type embeddings, GELU MLP,
// bidirectional attention. RoBERTa differs in its prefix, heads and position ids.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "model/arch.h"

namespace attnscope::bert_family {

struct Flavor {
  std::string_view family;
  PositionIds position_ids = PositionIds::kFromZero;
  int64_t type_vocab_size_default = 2;
  double layer_norm_eps_default = 1e-12;
};

ModelConfig parse(const nlohmann::json& json, const Flavor& flavor);
ModelWeights load(WeightReader& reader, const ModelConfig& config);

}  // namespace attnscope::bert_family
