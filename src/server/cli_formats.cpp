#include "server/cli_formats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace attnscope::server {
namespace {

std::string csv_number(double value) {
  if (std::isnan(value)) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

struct Ranked {
  int64_t rank;
  int64_t position;
  std::string token;
  std::optional<int64_t> id;
  double score;
};

std::vector<Ranked> rank(std::vector<analysis::TokenScore> scores,
                         const std::vector<int64_t>& ids) {
  std::stable_sort(scores.begin(), scores.end(),
                   [](const auto& a, const auto& b) { return a.score > b.score; });
  std::vector<Ranked> ranked;
  for (const auto& s : scores) {
    Ranked r{static_cast<int64_t>(ranked.size()) + 1, s.position, s.token, std::nullopt, s.score};
    if (s.position < static_cast<int64_t>(ids.size())) r.id = ids[s.position];
    ranked.push_back(std::move(r));
  }
  return ranked;
}

}  // namespace

std::string tokenize_json(const Encoding& e) {
  nlohmann::ordered_json out;
  out["ids"] = e.ids;
  out["tokens"] = e.tokens;
  nlohmann::ordered_json offsets = nlohmann::ordered_json::array();
  for (const auto& [start, end] : e.offsets) offsets.push_back({start, end});
  out["offsets"] = offsets;
  out["special_mask"] = e.special_mask;
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string analyze_json(const analysis::AnalysisSummary& summary) {
  return analysis::to_json(summary).dump(2);
}

std::string analyze_csv(const analysis::AnalysisSummary& s) {
  using analysis::Figure;
  using analysis::kReportedFigures;
  std::ostringstream out;
  const bool several = s.texts > 1;
  out << "layer,head,pattern";
  for (Figure f : kReportedFigures) out << "," << analysis::figure_name(f);
  if (several) {
    for (Figure f : kReportedFigures) out << "," << analysis::figure_name(f) << "_std";
  }
  for (analysis::Pattern p : analysis::kScoredPatterns) {
    out << ",score_" << analysis::pattern_name(p);
  }
  out << "\n";
  for (const auto& head : s.heads) {
    out << head.layer << "," << head.head << "," << analysis::pattern_name(head.pattern.pattern);
    for (Figure f : kReportedFigures) out << "," << csv_number(head[f].mean);
    if (several) {
      for (Figure f : kReportedFigures) out << "," << csv_number(head[f].std);
    }
    for (double score : head.pattern.scores) out << "," << csv_number(score);
    out << "\n";
  }
  return out.str();
}

std::string importance_json(const std::string& model, const std::string& method,
                            std::vector<analysis::TokenScore> scores,
                            const std::vector<int64_t>& ids) {
  nlohmann::json out = {{"model", model}, {"method", method}};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : rank(std::move(scores), ids)) {
    nlohmann::json item = {{"rank", r.rank}, {"position", r.position}, {"score", r.score}};
    item["token"] = r.token.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.token);
    if (r.id) item["id"] = *r.id;
    list.push_back(std::move(item));
  }
  out["tokens"] = std::move(list);
  return out.dump(2);
}

std::string importance_csv(std::vector<analysis::TokenScore> scores,
                           const std::vector<int64_t>& ids) {
  std::ostringstream out;
  out << "rank,position,id,token,score\n";
  for (const auto& r : rank(std::move(scores), ids)) {
    std::string quoted = "\"";
    for (char c : r.token) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    char score[32];
    std::snprintf(score, sizeof(score), "%.9g", r.score);
    const std::string id = r.id ? std::to_string(*r.id) : "";
    out << r.rank << "," << r.position << "," << id << "," << quoted << "," << score << "\n";
  }
  return out.str();
}

}  // namespace attnscope::server
