// The result of `analyze` (an AnalysisSummary) for people and for scripts: the table the CLI
// prints, the stable JSON of docs/analysis.md (also the answer of the server's /api/analyze),
// and the CSV. One writer per format, used by every front end.
//
//   AnalysisSummary s = analyzer.analyze(texts);
//   write_analysis_table(std::cout, s);
//   std::string json = analysis_json(s).dump(2);
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "analysis/summary.h"

namespace attnscope::report {

// The stable JSON of docs/analysis.md. Undefined figures are null; "<figure>_std" and "texts"
// appear when the summary covers more than one text.
nlohmann::json analysis_json(const analysis::AnalysisSummary& summary);

// One row per head, then one per layer (means of the layer's heads), four decimals.
void write_analysis_table(std::ostream& out, const analysis::AnalysisSummary& summary);

// One row per head: figures (with "_std" columns over several texts) and pattern scores.
void write_analysis_csv(std::ostream& out, const analysis::AnalysisSummary& summary);

}  // namespace attnscope::report
