// The CLI's JSON and CSV spellings of each answer, one function each, so the dashboard answers
// byte for byte what `attnscope tokenize/analyze/importance --format json|csv` prints (without
// the CLI's final newline). Interim: these move to src/report (issue #9, section 5) and then
// each body here becomes one call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/importance.h"
#include "analysis/summary.h"
#include "tokenizer/tokenizer.h"

namespace attnscope::server {

// `attnscope tokenize --format json` for one text.
std::string tokenize_json(const Encoding& encoding);
// `attnscope analyze --format json`.
std::string analyze_json(const analysis::AnalysisSummary& summary);
// `attnscope analyze --format csv`.
std::string analyze_csv(const analysis::AnalysisSummary& summary);
// `attnscope importance --format json|csv`: `scores` in text order (ranked here), `ids` the
// input's token ids.
std::string importance_json(const std::string& model, const std::string& method,
                            std::vector<analysis::TokenScore> scores,
                            const std::vector<int64_t>& ids);
std::string importance_csv(std::vector<analysis::TokenScore> scores,
                           const std::vector<int64_t>& ids);

}  // namespace attnscope::server
