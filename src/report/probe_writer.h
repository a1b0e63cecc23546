// The output of `attnscope probe` (analysis/probes.h) as JSON, CSV and a table. The JSON keys
// are stable (docs/analysis.md): heads[] {layer, head, previous_token_score,
// duplicate_token_score, induction_score, pattern} in layer, head order, and `top`, the best
// heads of each probe.
//
//   ProbeResult r = run_probes(source, {});
//   std::cout << probe_json(r, "demo").dump(2);
//   write_probe_table(std::cout, r, "demo", {.sort = "induction_score", .top = 5});
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "analysis/probes.h"

namespace attnscope::report {

// How many heads `top` names per probe.
inline constexpr int64_t kProbeTopHeads = 3;

struct ProbeTableOptions {
  // A score name (previous_token_score, duplicate_token_score, induction_score), "layer" (model
  // order) or "" (= induction_score): heads sorted by it, highest first.
  std::string sort;
  int64_t top = 0;  // 0 = every head
};

// InputError for an unknown sort field (the message lists the valid ones).
void check_probe_sort(const std::string& field);

nlohmann::ordered_json probe_json(const analysis::ProbeResult& result, const std::string& model);
void write_probe_csv(std::ostream& out, const analysis::ProbeResult& result,
                     const ProbeTableOptions& options = {});
void write_probe_table(std::ostream& out, const analysis::ProbeResult& result,
                       const std::string& model, const ProbeTableOptions& options = {});

}  // namespace attnscope::report
