// How much memory a forward pass needs, so callers can refuse a request that would not fit
// (DESIGN.md "Memory") before running it: the kept attention, the requested outputs and the
// forward pass's own working buffers.
//
//   KeepSpec keep{.layers = {0, 1}, .dtype = DType::kF16};
//   MemoryEstimate m = estimate_forward_memory(model.config(), /*batch=*/1, /*tokens=*/1024,
//                                              keep, {.hidden_states = false});
//   if (m.total() > budget) throw LimitError(...);
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/memory.h"
#include "model/attention_store.h"
#include "model/config.h"
#include "model/model.h"

namespace attnscope {

struct MemoryEstimate {
  // The weights in memory: the checkpoint's files as mapped (weights are read in place, in their
  // stored dtype; at least 2 bytes per parameter of the config), or every parameter as f32 when
  // the file size is not known.
  uint64_t weights = 0;
  uint64_t activations = 0;     // the forward pass's working buffers (one layer's attention)
  uint64_t attention_kept = 0;  // what the AttentionStore keeps
  uint64_t hidden_states = 0;   // ForwardResult::hidden_states, when asked
  uint64_t logits = 0;          // ForwardResult::logits, when asked
  // Everything a run adds on top of the loaded weights.
  // Saturating sums: an absurd request gives UINT64_MAX, never a wrapped-around small number.
  uint64_t run_total() const {
    return add_saturated(add_saturated(activations, attention_kept),
                         add_saturated(hidden_states, logits));
  }
  uint64_t total() const { return add_saturated(weights, run_total()); }
  std::string describe() const;  // "attention 12.0 MiB + activations 3.1 MiB + ..."
};

// How a forward pass holds attention: one whole layer ([head, T, T]; observers that need whole
// layers, e.g. AttentionStore) or one block of query rows ([head, block, T]; when every observer
// is a RowObserver: analyze, importance raw/rollout/flow, probes).
enum class AttentionBuffer { kLayer, kRowBlocks };

// Bytes of the forward pass's working buffers for batch x tokens.
uint64_t forward_activation_bytes(const ModelConfig& config, int64_t batch, int64_t tokens,
                                  AttentionBuffer buffer = AttentionBuffer::kLayer);

// `keep` as for AttentionStore; its layer/head lists must already be valid for the model.
// `weight_bytes`: the checkpoint's size (SafetensorsCheckpoint::stored_bytes()), when known.
// `exact_weight_bytes`: weight_bytes is the whole truth, with no floor of 2 bytes per parameter (a
// GGUF file, whose tensors were checked against the hyper-parameters: a 4-bit file holds about
// 0.6 bytes per parameter).
MemoryEstimate estimate_forward_memory(const ModelConfig& config, int64_t batch, int64_t tokens,
                                       const KeepSpec& keep, const ForwardOptions& options,
                                       std::optional<uint64_t> weight_bytes = std::nullopt,
                                       bool exact_weight_bytes = false);

}  // namespace attnscope
