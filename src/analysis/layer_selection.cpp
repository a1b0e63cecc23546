#include "analysis/layer_selection.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "model/attention_store.h"

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

}  // namespace

std::vector<int> layer_range(int count) {
  std::vector<int> out;
  for (int layer = 0; layer < count; ++layer) out.push_back(layer);
  return out;
}

std::set<int> select_layers(std::string_view spec, const std::vector<int>& available) {
  if (available.empty()) throw InputError("--layers: no layers are available");
  // The syntax is the model's (parse_index_spec); a saved file may hold only some layers.
  const int bound = *std::max_element(available.begin(), available.end()) + 1;
  std::vector<int> chosen;
  try {
    chosen = parse_index_spec(spec, bound, "layer");
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + "; available layers: " + describe(available));
  }
  std::set<int> out;
  for (int layer : chosen) {
    if (std::find(available.begin(), available.end(), layer) == available.end()) {
      if (spec.empty() || spec == "all" || spec == "*") continue;
      throw InputError("--layers '" + std::string(spec) + "': layer " + std::to_string(layer) +
                       " is not available; available layers: " + describe(available));
    }
    out.insert(layer);
  }
  return out;
}

}  // namespace attnscope::analysis
