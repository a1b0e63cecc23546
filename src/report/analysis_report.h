// The result of `analyze` (an AnalysisSummary) for people and for scripts: the table the CLI
// prints, the stable JSON of docs/analysis.md (also the answer of the server's /api/analyze),
// and the CSV. One writer per format, used by every front end.
//
//   AnalysisSummary s = analyzer.analyze(texts);
//   write_analysis_table(std::cout, s);
//   std::string json = analysis_json(s).dump(2);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/summary.h"

namespace attnscope::report {

// The stable JSON of docs/analysis.md. Undefined figures are null; "<figure>_std" and "texts"
// appear when the summary covers more than one text.
nlohmann::json analysis_json(const analysis::AnalysisSummary& summary);

// Which head rows the table and the CSV show: sorted by `sort` ("layer", the default order of
// layer then head; or a figure's name, highest first, ties in layer/head order), the first
// `top` (0: all). JSON always holds every head in layer/head order.
struct HeadRows {
  std::string sort = "layer";
  int64_t top = 0;
};
// InputError naming the valid fields when `sort` is not one.
void check_head_sort(std::string_view sort);
// The fields --sort accepts: "layer", then every reported figure's name.
std::vector<std::string> head_sort_fields();

// One row per head, then one per layer (means of the layer's heads), four decimals. On causal
// models the figures that are constant by construction (max = 1, mean = 2/(T+1), next = 0)
// are left out, and a line says so.
void write_analysis_table(std::ostream& out, const analysis::AnalysisSummary& summary,
                          const HeadRows& rows = {});

// One row per head: figures (with "_std" columns over several texts) and pattern scores.
void write_analysis_csv(std::ostream& out, const analysis::AnalysisSummary& summary,
                        const HeadRows& rows = {});

}  // namespace attnscope::report
