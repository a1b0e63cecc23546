// The block description of a model (model/config.h: the knobs the forward pass follows) as JSON,
// for `attnscope info --format json`. Every key is always present, with the same meaning as the
// lines ModelConfig::describe() prints; a knob a family does not use is null or "none".
//
//   nlohmann::ordered_json block = block_description_json(config);
//   block["norm"]["placement"];    // "pre_norm" | "post_norm"
//   block["position"]["kind"];     // "absolute" | "rotary" | "alibi"
#pragma once

#include <nlohmann/json.hpp>

#include "model/config.h"

namespace attnscope::report {

nlohmann::ordered_json block_description_json(const ModelConfig& config);

}  // namespace attnscope::report
