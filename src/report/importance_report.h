// Token importance for people and scripts: the ranked list `importance` prints as a table, the
// stable JSON (docs/analysis.md; also the server's /api/importance answer) and the CSV.
//
//   ImportanceReport r = rank_importance(analyzer.get_token_importance(input, "raw"), input.ids,
//                                        "demo", "raw");
//   write_importance_table(std::cout, r);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/importance.h"

namespace attnscope::report {

struct RankedToken {
  int64_t rank = 0;  // 1 = highest score
  int64_t position = 0;
  std::string token;  // "" when unknown
  std::optional<int64_t> id;
  double score = 0;
};

// How the scores were made and which of them are shown.
struct ImportanceContext {
  std::string model;
  std::string method;  // raw | rollout | flow | norm
  bool causal = false;
  bool visible_only = false;      // raw only: mean over the rows that can see each token
  std::optional<int64_t> target;  // rollout / flow: the position whose row was read
  bool exclude_first = false;     // the first token (the attention sink) left out
  int64_t top = 0;                // keep the K best (0: all)
};

struct ImportanceReport {
  ImportanceContext context;
  std::vector<RankedToken> tokens;  // highest score first; ties keep text order
};

// The position whose row rollout / flow read: `requested` when given, else the last token for
// causal models and the first for encoders (analysis::ImportanceOptions); nullopt for raw / norm.
std::optional<int64_t> reported_target(std::string_view method, std::optional<int64_t> requested,
                                       std::span<const analysis::TokenScore> scores, bool causal);

// Ranks `scores` (text order) highest first, ties by position, keeping the first `top` (0: all)
// and leaving the first token out when `exclude_first`. `ids[position]` names each token's id.
ImportanceReport rank_importance(std::vector<analysis::TokenScore> scores,
                                 std::span<const int64_t> ids, ImportanceContext context);

// {"model", "method", "causal", "visible_only" (raw), "target"?, "exclude_first"?,
//  "tokens": [{"position", "token" (null when unknown), "id"?, "score", "rank"}]}.
nlohmann::ordered_json importance_json(const ImportanceReport& report);

// rank,position,id,token,score; id is empty when unknown, tokens quoted.
void write_importance_csv(std::ostream& out, const ImportanceReport& report);

// A header line, then rank, position, token (by id when unknown) and score.
void write_importance_table(std::ostream& out, const ImportanceReport& report);

}  // namespace attnscope::report
