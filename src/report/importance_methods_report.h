// `importance --method all`: the four methods side by side (one column per method, tokens in
// text order) with the Spearman rank correlation of every pair, as JSON, CSV and a table.
// JSON (docs/analysis.md): {"model", "method": "all", "causal", "visible_only", "target",
// "methods": {"<method>": [{"position", "token", "id", "score", "rank"}]}, "spearman":
// {"<a>/<b>": r}}.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "analysis/importance.h"

namespace attnscope::report {

struct MethodColumn {
  std::string method;
  std::vector<double> scores;  // [token] in text order, like `positions`
};

struct ImportanceMethodsReport {
  std::string model;
  bool causal = false;
  bool visible_only = false;
  std::optional<int64_t> target;  // rollout / flow target position
  std::vector<int64_t> positions;
  std::vector<std::string> tokens;  // "" when unknown
  std::vector<std::optional<int64_t>> ids;
  std::vector<MethodColumn> methods;
  struct Correlation {
    std::string a, b;
    double rho = 0;  // NaN when undefined
  };
  std::vector<Correlation> spearman;  // every pair, in method order
};

// `per_method`: each method's scores in text order (all over the same tokens). InputError when
// they differ in length or positions.
ImportanceMethodsReport side_by_side(
    const std::vector<std::pair<std::string, std::vector<analysis::TokenScore>>>& per_method,
    std::span<const int64_t> ids, std::string model, bool causal, bool visible_only,
    std::optional<int64_t> target);

nlohmann::ordered_json importance_methods_json(const ImportanceMethodsReport& report);
// position,id,token,<method>...: one row per token in text order.
void write_importance_methods_csv(std::ostream& out, const ImportanceMethodsReport& report);
// One row per token (text order), a column per method, then the Spearman correlations.
void write_importance_methods_table(std::ostream& out, const ImportanceMethodsReport& report);

}  // namespace attnscope::report
