// The output of `attnscope compare` (analysis/compare.h) as JSON, CSV and a table. JSON
// (docs/analysis.md): model_a, model_b, tokens_a, tokens_b, aligned ([position a, position b]
// pairs), heads[] {layer, head, js, pattern_a, pattern_b, a {figures}, b {figures}, change
// {figures}} in layer, head order, and most_changed (the top heads by js).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>

#include "analysis/compare.h"

namespace attnscope::report {

inline constexpr int64_t kCompareTopHeads = 10;

struct CompareTableOptions {
  std::string sort = "js";         // "js" (most changed first) or "layer"
  int64_t top = kCompareTopHeads;  // 0 = every head
};

nlohmann::ordered_json compare_json(const analysis::Comparison& comparison,
                                    int64_t top = kCompareTopHeads);
void write_compare_csv(std::ostream& out, const analysis::Comparison& comparison,
                       const CompareTableOptions& options = {});
void write_compare_table(std::ostream& out, const analysis::Comparison& comparison,
                         const CompareTableOptions& options = {});

}  // namespace attnscope::report
