#include "analysis/attention_file.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/dtype.h"
#include "core/error.h"
#include "core/quote.h"
#include "io/json_file.h"
#include "io/safetensors.h"

namespace attnscope::analysis {
namespace {

std::string index_text(const std::vector<int64_t>& index) {
  std::string out = "[";
  for (size_t k = 0; k < index.size(); ++k) {
    if (k > 0) out += ", ";
    out += std::to_string(index[k]);
  }
  return out + "]";
}

// Reads an optional integer tensor of shape [B, T] (or [T] when B == 1) into a flat vector.
std::vector<int64_t> load_per_token(const SafetensorsFile& file, const std::string& name,
                                    int64_t batch, int64_t tokens, bool batched) {
  const TensorInfo* info = file.find(name);
  if (info == nullptr) return {};
  const Shape expected = batched ? Shape{batch, tokens} : Shape{tokens};
  const bool ok = info->shape == expected || (!batched && info->shape == Shape{1, tokens});
  if (!ok) {
    throw FormatError(file.path(), "tensor '" + name + "' has shape " + format_shape(info->shape) +
                                       "; expected " + format_shape(expected) +
                                       " to match 'attentions'");
  }
  if (is_float(info->dtype)) {
    throw FormatError(file.path(), "tensor '" + name + "' has dtype " +
                                       std::string(dtype_name(info->dtype)) +
                                       "; expected an integer dtype (I64)");
  }
  return file.load_i64(name);
}

void check_binary(const std::string& path, const std::string& name,
                  const std::vector<int64_t>& values, int64_t tokens) {
  for (size_t k = 0; k < values.size(); ++k) {
    if (values[k] == 0 || values[k] == 1) continue;
    throw FormatError(path,
                      "tensor '" + name + "'" +
                          index_text({static_cast<int64_t>(k) / std::max<int64_t>(tokens, 1),
                                      static_cast<int64_t>(k) % std::max<int64_t>(tokens, 1)}) +
                          " is " + std::to_string(values[k]) + "; expected 0 or 1");
  }
}

nlohmann::json parse_metadata_json(const std::string& path, const std::string& key,
                                   const std::string& text) {
  // Depth-limited, library messages mapped (io/json_file.h); offsets are within the value.
  return parse_json_text(text, path + ": metadata " + quote(key));
}

// Metadata "layers"/"heads": a JSON array of distinct non-negative ints, one per stored entry.
std::vector<int> parse_ids(const std::string& path, const std::map<std::string, std::string>& meta,
                           const std::string& key, int64_t count) {
  std::vector<int> ids;
  const auto it = meta.find(key);
  if (it == meta.end() || it->second == "all") {
    for (int64_t k = 0; k < count; ++k) ids.push_back(static_cast<int>(k));
    return ids;
  }
  const nlohmann::json j = parse_metadata_json(path, key, it->second);
  if (!j.is_array() || static_cast<int64_t>(j.size()) != count) {
    throw FormatError(path, "metadata '" + key + "' must be a JSON array of " +
                                std::to_string(count) + " numbers (one per stored " +
                                key.substr(0, key.size() - 1) + "), got " + json_brief(j));
  }
  for (const auto& v : j) {
    if (!v.is_number_unsigned() || v.get<uint64_t>() > 1000000) {
      throw FormatError(path, "metadata '" + key + "' holds " + json_brief(v) +
                                  "; expected non-negative integers (at most 1000000)");
    }
    const int id = v.get<int>();
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      throw FormatError(path, "metadata '" + key + "' lists " + std::to_string(id) + " twice");
    }
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

AttentionFile::~AttentionFile() = default;
AttentionFile::AttentionFile(AttentionFile&&) noexcept = default;
AttentionFile& AttentionFile::operator=(AttentionFile&&) noexcept = default;

AttentionFile::AttentionFile(const std::string& path, AttentionFileOptions options)
    : file_(std::make_unique<SafetensorsFile>(path)), options_(options) {
  attentions_ = file_->find("attentions");
  if (attentions_ == nullptr) {
    std::string names;
    size_t listed = 0;
    for (const auto& t : file_->tensors()) {
      if (++listed > 8) {
        names += ", +" + std::to_string(file_->tensors().size() - 8) + " more";
        break;
      }
      names += (names.empty() ? "" : ", ") + quote(t.name);
    }
    throw FormatError(path,
                      "no tensor 'attentions' (an attention file holds attentions "
                      "[layer, head, query_pos, key_pos]); tensors: " +
                          (names.empty() ? std::string("none") : names));
  }
  const Shape& shape = attentions_->shape;
  if (shape.size() != 4 && shape.size() != 5) {
    throw FormatError(path, "tensor 'attentions' has rank " + std::to_string(shape.size()) + " " +
                                format_shape(shape) +
                                "; expected [layer, head, query_pos, key_pos] or [batch, layer, "
                                "head, query_pos, key_pos]");
  }
  const bool batched = shape.size() == 5;
  const size_t base = batched ? 1 : 0;
  batch_ = batched ? shape[0] : 1;
  layers_ = shape[base];
  heads_ = shape[base + 1];
  tokens_ = shape[base + 2];
  if (shape[base + 3] != tokens_) {
    throw FormatError(path, "tensor 'attentions' " + format_shape(shape) +
                                ": query_pos and key_pos axes differ; expected square matrices");
  }
  for (size_t axis = 0; axis < shape.size(); ++axis) {
    if (shape[axis] == 0) {
      static constexpr const char* kAxes[] = {"batch", "layer", "head", "query_pos", "key_pos"};
      throw FormatError(path, "tensor 'attentions' " + format_shape(shape) + " has an empty " +
                                  kAxes[axis + (batched ? 0 : 1)] +
                                  " axis; expected at least one sequence, layer, head and token");
    }
  }
  if (!is_float(attentions_->dtype)) {
    throw FormatError(path, "tensor 'attentions' has dtype " +
                                std::string(dtype_name(attentions_->dtype)) +
                                "; expected F32, F16, BF16 or F64");
  }

  attention_mask_ = load_per_token(*file_, "attention_mask", batch_, tokens_, batched);
  check_binary(path, "attention_mask", attention_mask_, tokens_);
  input_ids_ = load_per_token(*file_, "input_ids", batch_, tokens_, batched);
  const std::vector<int64_t> special =
      load_per_token(*file_, "special_tokens_mask", batch_, tokens_, batched);
  check_binary(path, "special_tokens_mask", special, tokens_);
  special_mask_.assign(special.begin(), special.end());

  const auto& meta = file_->metadata();
  if (const auto it = meta.find("format"); it != meta.end()) {
    constexpr std::string_view kFamily = "attnscope-attention/";
    if (it->second.starts_with(kFamily) && it->second != kAttentionFileFormat) {
      throw UnsupportedError(path + ": its format is " + quote(it->second) +
                             " (written by another attnscope version); this one reads " +
                             kAttentionFileFormat);
    }
  }
  if (special_mask_.empty()) {
    if (const auto it = meta.find("special_ids"); it != meta.end() && !input_ids_.empty()) {
      const nlohmann::json ids = parse_metadata_json(path, "special_ids", it->second);
      if (!ids.is_array()) throw FormatError(path, "metadata 'special_ids' must be a JSON array");
      std::set<int64_t> special_ids;
      for (const auto& v : ids) {
        if (!v.is_number_integer()) {
          throw FormatError(
              path, "metadata 'special_ids' holds " + json_brief(v) + "; expected token ids");
        }
        special_ids.insert(v.get<int64_t>());
      }
      for (int64_t id : input_ids_) special_mask_.push_back(special_ids.count(id) ? 1 : 0);
    }
  }

  if (const auto it = meta.find("tokens"); it != meta.end()) {
    const nlohmann::json j = parse_metadata_json(path, "tokens", it->second);
    auto read_list = [&](const nlohmann::json& list) {
      std::vector<std::string> out;
      if (!list.is_array() || static_cast<int64_t>(list.size()) != tokens_) {
        throw FormatError(path, "metadata 'tokens' must hold a JSON array of " +
                                    std::to_string(tokens_) + " strings per sequence");
      }
      for (const auto& s : list) {
        if (!s.is_string()) throw FormatError(path, "metadata 'tokens' holds a non-string");
        out.push_back(s.get<std::string>());
      }
      return out;
    };
    if (j.is_array() && !j.empty() && j[0].is_array()) {
      if (static_cast<int64_t>(j.size()) != batch_) {
        throw FormatError(path, "metadata 'tokens' has " + std::to_string(j.size()) +
                                    " sequences; 'attentions' has " + std::to_string(batch_));
      }
      for (const auto& list : j) token_strings_.push_back(read_list(list));
    } else if (batch_ == 1) {
      token_strings_.push_back(read_list(j));
    } else {
      throw FormatError(path, "metadata 'tokens' must be a JSON array of arrays for a batch");
    }
  }

  layer_ids_ = parse_ids(path, meta, "layers", layers_);
  head_ids_ = parse_ids(path, meta, "heads", heads_);
  if (const auto it = meta.find("model"); it != meta.end()) {
    model_ = it->second;
  } else if (const auto dir = meta.find("model_dir"); dir != meta.end()) {
    model_ = dir->second;
  }

  if (options_.causal) {
    causal_ = *options_.causal;
    causal_source_ = CausalSource::kOption;
  } else if (const auto it = meta.find("causal"); it != meta.end()) {
    if (it->second != "true" && it->second != "false") {
      throw FormatError(path,
                        "metadata 'causal' is " + quote(it->second) + "; expected true or false");
    }
    causal_ = it->second == "true";
    causal_source_ = CausalSource::kMetadata;
  } else {
    causal_ = infer_causal();
    causal_source_ = CausalSource::kInferred;
  }
}

const std::string& AttentionFile::path() const { return file_->path(); }

std::span<const int64_t> AttentionFile::attention_mask(int64_t sequence) const {
  if (attention_mask_.empty()) return {};
  return std::span<const int64_t>(attention_mask_).subspan(sequence * tokens_, tokens_);
}

std::span<const int64_t> AttentionFile::input_ids(int64_t sequence) const {
  if (input_ids_.empty()) return {};
  return std::span<const int64_t>(input_ids_).subspan(sequence * tokens_, tokens_);
}

std::span<const uint8_t> AttentionFile::special_mask(int64_t sequence) const {
  if (special_mask_.empty()) return {};
  return std::span<const uint8_t>(special_mask_).subspan(sequence * tokens_, tokens_);
}

const std::vector<std::string>& AttentionFile::tokens(int64_t sequence) const {
  static const std::vector<std::string> kNone;
  if (token_strings_.empty()) return kNone;
  return token_strings_.at(sequence);
}

Tensor AttentionFile::load_layer(int64_t sequence, int64_t layer_index) const {
  if (sequence < 0 || sequence >= batch_ || layer_index < 0 || layer_index >= layers_) {
    throw InputError(path() + ": no sequence " + std::to_string(sequence) + ", layer index " +
                     std::to_string(layer_index) + " (file has " + std::to_string(batch_) +
                     " sequences, " + std::to_string(layers_) + " layers)");
  }
  Tensor probs({heads_, tokens_, tokens_});  // [head, query_pos, key_pos]
  const size_t element = dtype_size(attentions_->dtype);
  const size_t begin = static_cast<size_t>((sequence * layers_ + layer_index) * probs.numel());
  const auto bytes = file_->raw(*attentions_);
  convert_to_f32(attentions_->dtype, bytes.data() + begin * element,
                 static_cast<size_t>(probs.numel()), probs.data());
  validate_layer(probs, sequence, layer_index);
  return probs;
}

void AttentionFile::validate_layer(const Tensor& probs, int64_t sequence,
                                   int64_t layer_index) const {
  const auto mask = attention_mask(sequence);
  auto real = [&](int64_t pos) { return mask.empty() || mask[pos] != 0; };
  auto where = [&](int64_t head, int64_t query, int64_t key) {
    std::vector<int64_t> index;
    if (attentions_->shape.size() == 5) index.push_back(sequence);
    index.insert(index.end(), {layer_index, head, query});
    if (key >= 0) index.push_back(key);
    std::string out = "attentions" + index_text(index) + " (";
    if (attentions_->shape.size() == 5) out += "sequence " + std::to_string(sequence) + ", ";
    out += "layer " + std::to_string(layer_ids_[layer_index]) + ", head " +
           std::to_string(head_ids_[head]) + ", query_pos " + std::to_string(query);
    if (key >= 0) out += ", key_pos " + std::to_string(key);
    return out + ")";
  };
  // BF16 keeps 8 significant bits: each value is within 2^-9 of itself relative, so a row of
  // rounded values sums to 1 within 2^-9 (~0.002), above the default; allow twice that.
  const double tolerance = attentions_->dtype == DType::kBF16
                               ? std::max(options_.row_sum_tolerance, 1.0 / 256)
                               : options_.row_sum_tolerance;
  for (int64_t head = 0; head < heads_; ++head) {
    for (int64_t query = 0; query < tokens_; ++query) {
      if (!real(query)) continue;  // padded rows never count
      const float* row = probs.data() + (head * tokens_ + query) * tokens_;  // [key_pos]
      double visible_sum = 0;
      double hidden_sum = 0;
      for (int64_t key = 0; key < tokens_; ++key) {
        const float p = row[key];
        if (!std::isfinite(p)) {
          throw FormatError(
              path(), where(head, query, key) + " is " + (std::isnan(p) ? "NaN" : "infinite"));
        }
        if (p < 0) {
          throw FormatError(path(), where(head, query, key) + " is " + std::to_string(p) +
                                        "; attention weights must be >= 0");
        }
        const bool visible = real(key) && (!causal_ || key <= query);
        (visible ? visible_sum : hidden_sum) += p;
      }
      if (std::fabs(visible_sum - 1.0) > tolerance) {
        throw FormatError(path(), where(head, query, -1) + ": row sums to " +
                                      std::to_string(visible_sum) +
                                      " over its visible keys; "
                                      "expected 1 within " +
                                      std::to_string(tolerance));
      }
      if (hidden_sum > tolerance) {
        throw FormatError(path(), where(head, query, -1) + ": " + std::to_string(hidden_sum) +
                                      " of the row is on keys it cannot see (" +
                                      (causal_ ? "future or padded" : "padded") +
                                      " positions); is the causal flag right?");
      }
    }
  }
}

bool AttentionFile::infer_causal() const {
  if (tokens_ < 2) return false;
  const size_t element = dtype_size(attentions_->dtype);
  const auto bytes = file_->raw(*attentions_);
  const int64_t per_layer = heads_ * tokens_ * tokens_;
  std::vector<float> probs(per_layer);  // [head, query_pos, key_pos]
  for (int64_t sequence = 0; sequence < batch_; ++sequence) {
    const auto mask = attention_mask(sequence);
    auto real = [&](int64_t pos) { return mask.empty() || mask[pos] != 0; };
    for (int64_t layer = 0; layer < layers_; ++layer) {
      const size_t begin = static_cast<size_t>((sequence * layers_ + layer) * per_layer);
      convert_to_f32(attentions_->dtype, bytes.data() + begin * element,
                     static_cast<size_t>(per_layer), probs.data());
      for (int64_t head = 0; head < heads_; ++head) {
        for (int64_t query = 0; query < tokens_; ++query) {
          if (!real(query)) continue;
          const float* row = probs.data() + (head * tokens_ + query) * tokens_;
          for (int64_t key = query + 1; key < tokens_; ++key) {
            if (real(key) && row[key] != 0.0f) return false;
          }
        }
      }
    }
  }
  return true;
}

void AttentionFile::replay(std::span<AttentionObserver* const> observers,
                           const std::set<int>& layers) const {
  for (int64_t sequence = 0; sequence < batch_; ++sequence) {
    for (int64_t index = 0; index < layers_; ++index) {
      if (!layers.empty() && layers.count(layer_ids_[index]) == 0) continue;
      const Tensor probs = load_layer(sequence, index);
      LayerAttention attention;
      attention.layer = layer_ids_[index];
      attention.sequence = sequence;
      attention.num_heads = heads_;
      attention.num_tokens = tokens_;
      attention.causal = causal_;
      attention.probs = probs.values();
      attention.attention_mask = attention_mask(sequence);
      for (AttentionObserver* observer : observers) observer->on_attention(attention);
    }
  }
}

void AttentionFile::replay(AttentionObserver& observer, const std::set<int>& layers) const {
  AttentionObserver* observers[] = {&observer};
  replay(observers, layers);
}

}  // namespace attnscope::analysis
