// The `--layers SPEC` option: which layers to analyse. SPEC is "all" or a comma-separated list
// of layer numbers and inclusive ranges, e.g. "0,3,5-7". Numbers are the model's layer numbers
// (0-based), also when a saved attention file holds only some layers.
//
//   std::set<int> layers = select_layers("0,2-3", /*available=*/{0, 1, 2, 3});   // {0, 2, 3}
#pragma once

#include <set>
#include <string_view>
#include <vector>

namespace attnscope::analysis {

// Throws InputError for a malformed spec or a layer not in `available` (the message lists the
// available layers). An empty spec means all.
std::set<int> select_layers(std::string_view spec, const std::vector<int>& available);

// 0..count-1.
std::vector<int> layer_range(int count);

}  // namespace attnscope::analysis
