#include "model/attention_store.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>

#include "core/error.h"
#include "core/memory.h"

namespace attnscope {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int64_t parse_index(std::string_view text, std::string_view spec, std::string_view what,
                    int64_t count) {
  text = trim(text);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw InputError(std::string(what) + " spec '" + std::string(spec) + "': '" +
                     std::string(text) + "' is not a " + std::string(what) +
                     " index (expected e.g. '0,2,5-7' or 'all')");
  }
  if (value < 0 || value >= count) {
    throw InputError(std::string(what) + " spec '" + std::string(spec) + "': " + std::string(what) +
                     " " + std::to_string(value) + " is out of range; the model has " +
                     std::to_string(count) + " " + std::string(what) + "s (0-" +
                     std::to_string(count - 1) + ")");
  }
  return value;
}

}  // namespace

std::vector<int> parse_index_spec(std::string_view spec, int64_t count, std::string_view what) {
  const std::string_view trimmed = trim(spec);
  std::vector<int> out;
  if (trimmed.empty() || trimmed == "all" || trimmed == "*") {
    for (int64_t i = 0; i < count; ++i) out.push_back(static_cast<int>(i));
    return out;
  }
  std::set<int> chosen;
  std::string_view rest = trimmed;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    const size_t dash = item.find('-', 1);
    if (dash == std::string_view::npos) {
      chosen.insert(static_cast<int>(parse_index(item, spec, what, count)));
    } else {
      const int64_t first = parse_index(item.substr(0, dash), spec, what, count);
      const int64_t last = parse_index(item.substr(dash + 1), spec, what, count);
      if (last < first) {
        throw InputError(std::string(what) + " spec '" + std::string(spec) + "': range '" +
                         std::string(item) + "' runs backwards");
      }
      for (int64_t i = first; i <= last; ++i) chosen.insert(static_cast<int>(i));
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return {chosen.begin(), chosen.end()};
}

AttentionStore::AttentionStore(KeepSpec keep) : keep_(std::move(keep)) {
  if (keep_.dtype != DType::kF32 && keep_.dtype != DType::kF16) {
    throw InputError("attention can be kept as F32 or F16, not " +
                     std::string(dtype_name(keep_.dtype)));
  }
  std::sort(keep_.layers.begin(), keep_.layers.end());
  std::sort(keep_.heads.begin(), keep_.heads.end());
}

void AttentionStore::on_attention(const LayerAttention& a) {
  if (!keep_.layers.empty() &&
      !std::binary_search(keep_.layers.begin(), keep_.layers.end(), a.layer)) {
    return;
  }
  if (resolved_heads_.empty()) {
    if (keep_.heads.empty()) {
      for (int64_t h = 0; h < a.num_heads; ++h) resolved_heads_.push_back(static_cast<int>(h));
    } else {
      if (keep_.heads.back() >= a.num_heads) {
        throw InputError("head " + std::to_string(keep_.heads.back()) +
                         " requested but the model has " + std::to_string(a.num_heads) + " heads");
      }
      resolved_heads_ = keep_.heads;
    }
  }
  const int64_t T = a.num_tokens, plane = T * T;
  num_tokens_ = T;
  num_sequences_ = std::max(num_sequences_, a.sequence + 1);
  masks_[a.sequence].assign(a.attention_mask.begin(), a.attention_mask.end());
  Entry& entry = entries_[{a.layer, a.sequence}];
  const size_t kept = resolved_heads_.size() * plane;
  if (keep_.dtype == DType::kF16) {
    entry.f16.resize(kept);
    for (size_t k = 0; k < resolved_heads_.size(); ++k) {
      const float* src = a.probs.data() + resolved_heads_[k] * plane;  // [query_pos, key_pos]
      uint16_t* dst = entry.f16.data() + k * plane;
      for (int64_t i = 0; i < plane; ++i) dst[i] = f32_to_f16(src[i]);
    }
    return;
  }
  // Appended head by head into reserved space: the memory is written once (a resize would
  // zero-fill it first, doubling the cost of capture).
  entry.f32.clear();
  entry.f32.reserve(kept);
  for (const int head : resolved_heads_) {
    const float* src = a.probs.data() + head * plane;  // [query_pos, key_pos]
    entry.f32.insert(entry.f32.end(), src, src + plane);
  }
}

std::vector<int> AttentionStore::layers() const {
  std::set<int> layers;
  for (const auto& [key, entry] : entries_) layers.insert(key.first);
  return {layers.begin(), layers.end()};
}

std::vector<int> AttentionStore::heads() const { return resolved_heads_; }

bool AttentionStore::has(int layer, int64_t sequence) const {
  return entries_.count({layer, sequence}) != 0;
}

Tensor AttentionStore::layer(int layer, int64_t sequence) const {
  const auto it = entries_.find({layer, sequence});
  if (it == entries_.end()) {
    throw InputError("attention of layer " + std::to_string(layer) + ", sequence " +
                     std::to_string(sequence) + " was not kept");
  }
  const Shape shape = {static_cast<int64_t>(resolved_heads_.size()), num_tokens_, num_tokens_};
  if (keep_.dtype == DType::kF16) {
    std::vector<float> values(it->second.f16.size());
    for (size_t i = 0; i < values.size(); ++i) values[i] = f16_to_f32(it->second.f16[i]);
    return Tensor(shape, std::move(values));
  }
  return Tensor(shape, it->second.f32);
}

Tensor AttentionStore::sequence(int64_t sequence) const {
  const std::vector<int> stored = layers();
  const int64_t heads = static_cast<int64_t>(resolved_heads_.size());
  Tensor out({static_cast<int64_t>(stored.size()), heads, num_tokens_, num_tokens_});
  const int64_t per_layer = heads * num_tokens_ * num_tokens_;
  for (size_t i = 0; i < stored.size(); ++i) {
    const Tensor one = layer(stored[i], sequence);
    std::copy_n(one.data(), per_layer, out.data() + i * per_layer);
  }
  return out;
}

const std::vector<int64_t>& AttentionStore::attention_mask(int64_t sequence) const {
  const auto it = masks_.find(sequence);
  if (it == masks_.end())
    throw InputError("no attention kept for sequence " + std::to_string(sequence));
  return it->second;
}

uint64_t AttentionStore::bytes() const {
  uint64_t total = 0;
  for (const auto& [key, entry] : entries_) {
    total += entry.f32.size() * sizeof(float) + entry.f16.size() * sizeof(uint16_t);
  }
  return total;
}

void AttentionStore::clear() {
  entries_.clear();
  masks_.clear();
  resolved_heads_.clear();
  num_sequences_ = num_tokens_ = 0;
}

uint64_t AttentionStore::estimate_bytes(const KeepSpec& keep, int64_t num_layers, int64_t num_heads,
                                        int64_t batch, int64_t tokens) {
  const long double layers = keep.layers.empty() ? num_layers : keep.layers.size();
  const long double heads = keep.heads.empty() ? num_heads : keep.heads.size();
  const long double element = keep.dtype == DType::kF16 ? 2 : 4;
  const long double t = tokens;
  return saturate_bytes(layers * heads * static_cast<long double>(batch) * t * t * element);
}

}  // namespace attnscope
