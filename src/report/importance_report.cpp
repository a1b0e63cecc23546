#include "report/importance_report.h"

#include <algorithm>
#include <cstdio>

#include "report/text_table.h"

namespace attnscope::report {

std::optional<int64_t> reported_target(std::string_view method, std::optional<int64_t> requested,
                                       std::span<const analysis::TokenScore> scores, bool causal) {
  if (method != "rollout" && method != "flow" && method != "all") return std::nullopt;
  if (requested) return requested;
  if (scores.empty()) return std::nullopt;
  return causal ? scores.back().position : scores.front().position;
}

ImportanceReport rank_importance(std::vector<analysis::TokenScore> scores,
                                 std::span<const int64_t> ids, ImportanceContext context) {
  if (context.exclude_first && !scores.empty()) scores.erase(scores.begin());
  std::stable_sort(scores.begin(), scores.end(),
                   [](const auto& a, const auto& b) { return a.score > b.score; });
  ImportanceReport report{std::move(context), {}};
  const int64_t top = report.context.top;
  for (const auto& s : scores) {
    if (top > 0 && static_cast<int64_t>(report.tokens.size()) >= top) break;
    RankedToken r{static_cast<int64_t>(report.tokens.size()) + 1, s.position, s.token, std::nullopt,
                  s.score};
    if (s.position >= 0 && s.position < static_cast<int64_t>(ids.size())) r.id = ids[s.position];
    report.tokens.push_back(std::move(r));
  }
  return report;
}

nlohmann::ordered_json importance_json(const ImportanceReport& report) {
  const ImportanceContext& c = report.context;
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["model"] = c.model;
  out["method"] = c.method;
  out["causal"] = c.causal;
  if (c.method == "raw") out["visible_only"] = c.visible_only;
  if (c.target) out["target"] = *c.target;
  if (c.exclude_first) out["exclude_first"] = true;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& r : report.tokens) {
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    item["position"] = r.position;
    item["token"] =
        r.token.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.token);
    if (r.id) item["id"] = *r.id;
    item["score"] = r.score;
    item["rank"] = r.rank;
    list.push_back(std::move(item));
  }
  out["tokens"] = std::move(list);
  return out;
}

void write_importance_csv(std::ostream& out, const ImportanceReport& report) {
  out << "rank,position,id,token,score\n";
  for (const auto& r : report.tokens) {
    out << r.rank << "," << r.position << "," << (r.id ? std::to_string(*r.id) : "") << ","
        << csv_quote(r.token) << "," << csv_number(r.score) << "\n";
  }
}

void write_importance_table(std::ostream& out, const ImportanceReport& report) {
  const ImportanceContext& c = report.context;
  out << "model: " << (c.model.empty() ? "(unknown)" : c.model) << "   method: " << c.method;
  if (c.method == "raw") {
    out << (c.visible_only ? " (mean over the rows that can see each token)"
                           : (c.causal ? " (mean over all rows: favours early tokens on a causal "
                                         "model; see --visible-only)"
                                       : ""));
  }
  if (c.target) out << " (target position " << *c.target << ")";
  if (c.exclude_first) out << "   first token left out";
  out << "\n\n";
  constexpr size_t kTokenColumn = 24;
  char line[64];
  std::snprintf(line, sizeof(line), "%5s  %8s  ", "rank", "position");
  out << line << pad_right("token", kTokenColumn) << "  score\n";
  for (const auto& r : report.tokens) {
    const std::string token = !r.token.empty() ? r.token
                              : r.id           ? "id " + std::to_string(*r.id)
                                               : "-";
    std::snprintf(line, sizeof(line), "%5lld  %8lld  ", static_cast<long long>(r.rank),
                  static_cast<long long>(r.position));
    char score[32];
    std::snprintf(score, sizeof(score), "%.4g", r.score);
    out << line << pad_right(token, kTokenColumn) << "  " << score << "\n";
  }
}

}  // namespace attnscope::report
