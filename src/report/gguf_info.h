// What `attnscope info --model file.gguf` prints: the architecture and its hyper-parameters from
// the metadata ({arch}.block_count, .attention.head_count, ...), the tokenizer, the tensor types
// with their share of the bytes, and the memory of the weights (mapped at file size) and of
// capturing attention (L x H x T x T). Nothing is dequantized.
//
//   const GgufFile file("model-q4_k.gguf");
//   write_gguf_info(std::cout, file, {128, 512});
//   std::cout << gguf_info_json(file, {128}).dump(2);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "io/gguf.h"

namespace attnscope::report {

// {"file", "version", "architecture", "name", "file_type", "hyperparameters": {key: value},
//  "tokenizer": {"model", "pre", "tokens", "bos_token_id", "eos_token_id"},
//  "tensor_count", "tensor_types": [{"type", "tensors", "values", "bytes", "share"}],
//  "parameters", "tensor_bytes", "file_bytes", "dequantizable", "capture_cost": [...]}
nlohmann::ordered_json gguf_info_json(const GgufFile& file, const std::vector<int64_t>& tokens);

void write_gguf_info(std::ostream& out, const GgufFile& file, const std::vector<int64_t>& tokens);

}  // namespace attnscope::report
