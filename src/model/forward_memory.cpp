#include "model/forward_memory.h"

#include <algorithm>

#include "core/memory.h"
#include "model/arch.h"

namespace attnscope {

std::string MemoryEstimate::describe() const {
  std::string out = "attention kept " + format_bytes(attention_kept) + " + activations " +
                    format_bytes(activations);
  if (hidden_states > 0) out += " + hidden states " + format_bytes(hidden_states);
  if (logits > 0) out += " + logits " + format_bytes(logits);
  out += " + weights " + format_bytes(weights) + " = " + format_bytes(total());
  return out;
}

MemoryEstimate estimate_forward_memory(const ModelConfig& config, int64_t batch, int64_t tokens,
                                       const KeepSpec& keep, const ForwardOptions& options,
                                       std::optional<uint64_t> weight_bytes,
                                       bool exact_weight_bytes) {
  MemoryEstimate m;
  int64_t parameters = 0;
  for (const ExpectedTensor& t : expected_tensors(arch_by_family(config.family), config, false)) {
    parameters += shape_numel(t.shape);
  }
  // With the file size: the file as mapped, but never less than the config's tensors at 2 bytes
  // each (a config describing more than the file holds fails at load anyway, and is refused
  // here first, before anything is read). Without: every parameter as f32.
  const long double at_least =
      exact_weight_bytes && weight_bytes ? 0.0L : static_cast<long double>(parameters) * 2;
  m.weights = weight_bytes ? std::max(*weight_bytes, saturate_bytes(at_least))
                           : saturate_bytes(static_cast<long double>(parameters) * sizeof(float));
  m.activations = forward_activation_bytes(config, batch, tokens);
  m.attention_kept = AttentionStore::estimate_bytes(keep, config.num_hidden_layers,
                                                    config.num_attention_heads, batch, tokens);
  const long double rows = static_cast<long double>(batch) * tokens;
  if (options.hidden_states) {
    m.hidden_states =
        saturate_bytes(rows * (config.num_hidden_layers + 1) * config.hidden_size * sizeof(float));
  }
  if (options.logits) m.logits = saturate_bytes(rows * config.vocab_size * sizeof(float));
  return m;
}

}  // namespace attnscope
