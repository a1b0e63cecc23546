// `attnscope attention`'s file written as the forward pass computes it
// (docs/attention-file-format.md): an observer that converts each kept layer's kept heads to the
// file's dtype and hands the bytes to a sink (SafetensorsWriter::add_streamed), so a file of
// L·H·T² values never sits in memory; the pass holds one layer.
//
//   SafetensorsWriter writer;
//   writer.add_streamed("attentions", DType::kBF16, {L, H, T, T}, [&](const auto& sink) {
//     report::AttentionLayerWriter layers(keep, DType::kBF16, config, sink);
//     AttentionObserver* observers[] = {&layers};
//     model.forward(input, observers);
//   });
//   writer.write("out.safetensors");
#pragma once

#include <cstdint>
#include <vector>

#include "core/dtype.h"
#include "io/safetensors.h"
#include "model/attention_store.h"
#include "model/config.h"
#include "model/observer.h"

namespace attnscope::report {

class AttentionLayerWriter : public AttentionObserver {
 public:
  // `keep`: layers and heads as for AttentionStore (its dtype is ignored); `dtype`: kF32, kF16
  // or kBF16 (rounded to nearest even). UnsupportedError for another dtype.
  AttentionLayerWriter(const KeepSpec& keep, DType dtype, const ModelConfig& config,
                       const SafetensorsWriter::ByteSink& sink);
  // Sequence 0 only. InputError when layers arrive out of order.
  void on_attention(const LayerAttention& attention) override;
  // Kept layers written so far.
  int64_t layers_written() const { return written_; }
  int64_t layers_expected() const { return static_cast<int64_t>(layers_.size()); }

 private:
  std::vector<int> layers_;  // sorted model layer numbers
  std::vector<int> heads_;   // sorted head numbers
  DType dtype_;
  const SafetensorsWriter::ByteSink& sink_;
  int64_t written_ = 0;
  std::vector<uint16_t> half_;  // conversion buffer (f16 / bf16)
};

// "f32" | "f16" | "bf16" -> the dtype; InputError naming the choices otherwise.
DType parse_attention_dtype(const std::string& name);

}  // namespace attnscope::report
