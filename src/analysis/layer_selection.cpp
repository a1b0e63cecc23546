#include "analysis/layer_selection.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "core/error.h"

namespace attnscope::analysis {
namespace {

std::string describe(const std::vector<int>& available) {
  if (available.empty()) return "none";
  std::string out;
  for (size_t k = 0; k < available.size(); ++k) {
    if (k > 0) out += ",";
    out += std::to_string(available[k]);
  }
  return out;
}

int parse_layer_number(std::string_view text, std::string_view spec) {
  int value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < 0) {
    throw InputError("--layers '" + std::string(spec) + "': '" + std::string(text) +
                     "' is not a layer number (expected e.g. 0,3,5-7 or all)");
  }
  return value;
}

}  // namespace

std::vector<int> layer_range(int count) {
  std::vector<int> out;
  for (int layer = 0; layer < count; ++layer) out.push_back(layer);
  return out;
}

std::set<int> select_layers(std::string_view spec, const std::vector<int>& available) {
  if (spec.empty() || spec == "all") return {available.begin(), available.end()};
  std::set<int> out;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string_view item = spec.substr(start, comma - start);
    const size_t dash = item.find('-');
    int first = 0;
    int last = 0;
    if (dash == std::string_view::npos) {
      first = last = parse_layer_number(item, spec);
    } else {
      first = parse_layer_number(item.substr(0, dash), spec);
      last = parse_layer_number(item.substr(dash + 1), spec);
      if (last < first) {
        throw InputError("--layers '" + std::string(spec) + "': range '" + std::string(item) +
                         "' is empty (first > last)");
      }
    }
    for (int layer = first; layer <= last; ++layer) {
      if (std::find(available.begin(), available.end(), layer) == available.end()) {
        throw InputError("--layers '" + std::string(spec) + "': layer " + std::to_string(layer) +
                         " is not available; available layers: " + describe(available));
      }
      out.insert(layer);
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace attnscope::analysis
