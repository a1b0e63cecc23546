#include "model/weight_reader.h"

#include <algorithm>
#include <map>

#include "core/error.h"

namespace attnscope {

bool glob_match(std::string_view pattern, std::string_view name) {
  // Iterative wildcard matching with backtracking to the last '*'.
  size_t p = 0, n = 0, star = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_n = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

WeightReader::WeightReader(const TensorSource& source, std::string base_prefix,
                           std::vector<std::string> ignored)
    : source_(&source), ignored_(std::move(ignored)) {
  // from_pretrained loads a base model from a checkpoint of the model-with-head (names under
  // "<prefix>.") as well as from a bare base-model checkpoint (no prefix).
  if (!base_prefix.empty()) {
    const std::string dotted = base_prefix + ".";
    for (const std::string& name : source.names()) {
      if (name.starts_with(dotted)) {
        prefix_ = dotted;
        break;
      }
    }
  }
}

WeightReader WeightReader::recording(std::string base_prefix, bool with_prefix) {
  WeightReader reader;
  if (with_prefix && !base_prefix.empty()) reader.prefix_ = base_prefix + ".";
  return reader;
}

Weight WeightReader::take_full(const std::string& full_name, const Shape& shape, bool required) {
  if (source_ == nullptr) {
    // Shapes only: a 70B config is listed without allocating (or zero-filling) its weights.
    recorded_.push_back({full_name, shape, required});
    return Weight();
  }
  if (!source_->contains(full_name)) {
    if (!required) return {};
    throw ShapeError("tensor '" + full_name + "' not found in the checkpoint; expected shape " +
                     format_shape(shape));
  }
  const Shape got = source_->shape_of(full_name);
  if (got != shape) throw ShapeError(full_name, shape, got);
  used_.insert(full_name);
  dtype_counts_.emplace_back(source_->dtype_of(full_name), shape_numel(shape));
  return source_->load_weight(full_name);
}

Weight WeightReader::take(const std::string& name, const Shape& shape) {
  return take_full(prefix_ + name, shape, true);
}

Weight WeightReader::take_optional(const std::string& name, const Shape& shape) {
  return take_full(prefix_ + name, shape, false);
}

bool WeightReader::has(const std::string& name) const {
  return source_ != nullptr && source_->contains(prefix_ + name);
}

Weight WeightReader::take_head_optional(const std::string& name, const Shape& shape) {
  return take_full(name, shape, false);
}

bool WeightReader::has_head(const std::string& name) const {
  return source_ != nullptr && source_->contains(name);
}

void WeightReader::skip_head(const std::string& name) {
  if (source_ != nullptr && source_->contains(name)) used_.insert(name);
}

std::vector<std::string> WeightReader::unused() const {
  std::vector<std::string> out;
  if (source_ == nullptr) return out;
  for (const std::string& name : source_->names()) {
    if (used_.count(name) != 0) continue;
    const std::string_view relative = !prefix_.empty() && name.starts_with(prefix_)
                                          ? std::string_view(name).substr(prefix_.size())
                                          : std::string_view(name);
    const bool ignored = std::any_of(ignored_.begin(), ignored_.end(), [&](const std::string& g) {
      return glob_match(g, name) || glob_match(g, relative);
    });
    if (!ignored) out.push_back(name);
  }
  return out;
}

DType WeightReader::dominant_dtype() const {
  std::map<DType, int64_t> totals;
  for (const auto& [dtype, count] : dtype_counts_) totals[dtype] += count;
  DType best = DType::kF32;
  int64_t best_count = -1;
  for (const auto& [dtype, count] : totals) {
    if (count > best_count) {
      best = dtype;
      best_count = count;
    }
  }
  return best;
}

}  // namespace attnscope
