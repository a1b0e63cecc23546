#include "report/attention_writer.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/error.h"

namespace attnscope::report {
namespace {

std::vector<int> all_or(const std::vector<int>& chosen, int64_t count) {
  if (!chosen.empty()) return chosen;
  std::vector<int> out(static_cast<size_t>(count));
  std::iota(out.begin(), out.end(), 0);
  return out;
}

}  // namespace

AttentionLayerWriter::AttentionLayerWriter(const KeepSpec& keep, DType dtype,
                                           const ModelConfig& config,
                                           const SafetensorsWriter::ByteSink& sink)
    : layers_(all_or(keep.layers, config.num_hidden_layers)),
      heads_(all_or(keep.heads, config.num_attention_heads)),
      dtype_(dtype),
      sink_(sink) {
  if (dtype != DType::kF32 && dtype != DType::kF16 && dtype != DType::kBF16) {
    throw UnsupportedError("attention files store F32, F16 or BF16, not " +
                           std::string(dtype_name(dtype)));
  }
}

void AttentionLayerWriter::on_attention(const LayerAttention& a) {
  if (a.sequence != 0) return;
  if (!std::binary_search(layers_.begin(), layers_.end(), a.layer)) return;
  if (written_ >= layers_expected() || layers_[static_cast<size_t>(written_)] != a.layer) {
    throw InputError("attention of layer " + std::to_string(a.layer) +
                     " arrived out of order for the attention file");
  }
  const int64_t block = a.num_tokens * a.num_tokens;  // one head's [query_pos, key_pos]
  if (static_cast<int64_t>(a.probs.size()) != a.num_heads * block) {
    throw ShapeError("layer " + std::to_string(a.layer) + " attention",
                     {a.num_heads, a.num_tokens, a.num_tokens},
                     {static_cast<int64_t>(a.probs.size())});
  }
  for (int head : heads_) {
    if (head >= a.num_heads) {
      throw InputError("head " + std::to_string(head) + " is outside [0, " +
                       std::to_string(a.num_heads) + ")");
    }
    const std::span<const float> values = a.probs.subspan(head * block, block);
    if (dtype_ == DType::kF32) {
      sink_(std::as_bytes(values));
      continue;
    }
    // Converted in pieces of 1 Mi values (2 MiB), so the buffer stays small at any T.
    constexpr size_t kPiece = size_t{1} << 20;
    for (size_t begin = 0; begin < values.size(); begin += kPiece) {
      const size_t count = std::min(kPiece, values.size() - begin);
      half_.resize(count);
      for (size_t i = 0; i < count; ++i) {
        half_[i] =
            dtype_ == DType::kF16 ? f32_to_f16(values[begin + i]) : f32_to_bf16(values[begin + i]);
      }
      sink_(std::as_bytes(std::span<const uint16_t>(half_.data(), count)));
    }
  }
  ++written_;
}

DType parse_attention_dtype(const std::string& name) {
  if (name == "f32") return DType::kF32;
  if (name == "f16") return DType::kF16;
  if (name == "bf16") return DType::kBF16;
  throw InputError("--dtype " + name + " is not one of f32, f16, bf16");
}

}  // namespace attnscope::report
