// Some heads of one layer's attention for a front end: the JSON of the server's /api/attention
// (`attention[k][query_pos][key_pos]` for head `heads[k]`) and its compact binary form, both
// from the same values. Saved attention files for analysis are written elsewhere (safetensors,
// docs/attention-file-format.md); this is the view of one layer that a page draws.
//
//   AttentionSlice slice{tokens, /*layer=*/2, /*heads=*/{0, 1}, causal, T, probs};
//   std::string body = attention_json(slice).dump();
//   std::string f16 = attention_binary(slice, DType::kF16);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace attnscope::report {

struct AttentionSlice {
  std::vector<std::string> tokens;  // [T]
  int layer = 0;
  std::vector<int> heads;  // model head numbers, in the order of `probs`
  bool causal = false;
  int64_t num_tokens = 0;        // T
  std::span<const float> probs;  // [heads.size(), query_pos, key_pos], row-major
};

// {"tokens", "layer", "heads", "causal", "attention": [[[...]]]} (f32 values as doubles).
nlohmann::json attention_json(const AttentionSlice& slice);

// The binary form (docs/api.md): u32 LE n, n bytes of JSON (attention_json without "attention",
// plus "dtype" and "shape": [H, T, T]), zero bytes up to a multiple of 8 from the start, then
// H*T*T little-endian values. `dtype`: kF32 or kF16 (rounded to nearest even).
std::string attention_binary(const AttentionSlice& slice, DType dtype);

}  // namespace attnscope::report
