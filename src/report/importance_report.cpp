#include "report/importance_report.h"

#include <algorithm>
#include <cstdio>

#include "report/text_table.h"

namespace attnscope::report {

ImportanceReport rank_importance(std::vector<analysis::TokenScore> scores,
                                 std::span<const int64_t> ids, std::string model,
                                 std::string method, int64_t top) {
  std::stable_sort(scores.begin(), scores.end(),
                   [](const auto& a, const auto& b) { return a.score > b.score; });
  ImportanceReport report{std::move(model), std::move(method), {}};
  for (const auto& s : scores) {
    if (top > 0 && static_cast<int64_t>(report.tokens.size()) >= top) break;
    RankedToken r{static_cast<int64_t>(report.tokens.size()) + 1, s.position, s.token, std::nullopt,
                  s.score};
    if (s.position >= 0 && s.position < static_cast<int64_t>(ids.size())) r.id = ids[s.position];
    report.tokens.push_back(std::move(r));
  }
  return report;
}

nlohmann::json importance_json(const ImportanceReport& report) {
  nlohmann::json out = {{"model", report.model}, {"method", report.method}};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : report.tokens) {
    nlohmann::json item = {{"rank", r.rank}, {"position", r.position}, {"score", r.score}};
    item["token"] = r.token.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.token);
    if (r.id) item["id"] = *r.id;
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
  out << "model: " << (report.model.empty() ? "(unknown)" : report.model)
      << "   method: " << report.method << "\n\n";
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
