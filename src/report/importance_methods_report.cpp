#include "report/importance_methods_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/error.h"

namespace attnscope::report {
namespace {

std::string format_number(const char* format, double v) {
  if (std::isnan(v)) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), format, v);
  return buffer;
}

std::string quoted(const std::string& field) {
  std::string out = "\"";
  for (char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

ImportanceMethodsReport side_by_side(
    const std::vector<std::pair<std::string, std::vector<analysis::TokenScore>>>& per_method,
    std::span<const int64_t> ids, std::string model, bool causal, bool visible_only,
    std::optional<int64_t> target) {
  ImportanceMethodsReport out;
  out.model = std::move(model);
  out.causal = causal;
  out.visible_only = visible_only;
  out.target = target;
  if (per_method.empty()) return out;
  for (const analysis::TokenScore& s : per_method.front().second) {
    out.positions.push_back(s.position);
    out.tokens.push_back(s.token);
    out.ids.push_back(s.position < static_cast<int64_t>(ids.size())
                          ? std::optional<int64_t>(ids[s.position])
                          : std::nullopt);
  }
  for (const auto& [method, scores] : per_method) {
    MethodColumn column{method, {}};
    if (scores.size() != out.positions.size()) {
      throw InputError("importance method " + method + " scored " + std::to_string(scores.size()) +
                       " tokens; expected " + std::to_string(out.positions.size()));
    }
    for (size_t k = 0; k < scores.size(); ++k) {
      if (scores[k].position != out.positions[k]) {
        throw InputError("importance method " + method + " lists other positions");
      }
      column.scores.push_back(scores[k].score);
    }
    out.methods.push_back(std::move(column));
  }
  for (size_t a = 0; a < out.methods.size(); ++a) {
    for (size_t b = a + 1; b < out.methods.size(); ++b) {
      out.spearman.push_back({out.methods[a].method, out.methods[b].method,
                              analysis::spearman(out.methods[a].scores, out.methods[b].scores)});
    }
  }
  return out;
}

nlohmann::ordered_json importance_methods_json(const ImportanceMethodsReport& r) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["model"] = r.model;
  out["method"] = "all";
  out["causal"] = r.causal;
  out["visible_only"] = r.visible_only;
  out["target"] = r.target ? nlohmann::ordered_json(*r.target) : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json methods = nlohmann::ordered_json::object();
  for (const MethodColumn& column : r.methods) {
    std::vector<size_t> order(column.scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return column.scores[a] > column.scores[b]; });
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (size_t rank = 0; rank < order.size(); ++rank) {
      const size_t k = order[rank];
      nlohmann::ordered_json item = nlohmann::ordered_json::object();
      item["position"] = r.positions[k];
      item["token"] = r.tokens[k].empty() ? nlohmann::ordered_json(nullptr)
                                          : nlohmann::ordered_json(r.tokens[k]);
      if (r.ids[k]) item["id"] = *r.ids[k];
      item["score"] = column.scores[k];
      item["rank"] = rank + 1;
      list.push_back(std::move(item));
    }
    methods[column.method] = std::move(list);
  }
  out["methods"] = std::move(methods);
  nlohmann::ordered_json spearman = nlohmann::ordered_json::object();
  for (const auto& c : r.spearman) {
    spearman[c.a + "/" + c.b] =
        std::isnan(c.rho) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.rho);
  }
  out["spearman"] = std::move(spearman);
  return out;
}

void write_importance_methods_csv(std::ostream& out, const ImportanceMethodsReport& r) {
  out << "position,id,token";
  for (const MethodColumn& column : r.methods) out << "," << column.method;
  out << "\n";
  for (size_t k = 0; k < r.positions.size(); ++k) {
    out << r.positions[k] << "," << (r.ids[k] ? std::to_string(*r.ids[k]) : "") << ","
        << quoted(r.tokens[k]);
    for (const MethodColumn& column : r.methods) {
      out << "," << format_number("%.9g", column.scores[k]);
    }
    out << "\n";
  }
}

void write_importance_methods_table(std::ostream& out, const ImportanceMethodsReport& r) {
  out << "model: " << (r.model.empty() ? "(unknown)" : r.model) << "   methods:";
  for (const MethodColumn& column : r.methods) out << " " << column.method;
  out << "   raw: " << (r.visible_only ? "visible rows only" : "all rows");
  if (r.target) out << "   rollout/flow target: position " << *r.target;
  out << "\n\n";
  char cell[64];
  std::snprintf(cell, sizeof(cell), "%8s  %-16s", "position", "token");
  out << cell;
  for (const MethodColumn& column : r.methods) {
    std::snprintf(cell, sizeof(cell), "  %8s", column.method.c_str());
    out << cell;
  }
  out << "\n";
  for (size_t k = 0; k < r.positions.size(); ++k) {
    const std::string token = !r.tokens[k].empty() ? r.tokens[k]
                              : r.ids[k]           ? "id " + std::to_string(*r.ids[k])
                                                   : "-";
    std::snprintf(cell, sizeof(cell), "%8lld  ", static_cast<long long>(r.positions[k]));
    // Padded by code points so UTF-8 tokens keep the columns.
    size_t width = 0;
    for (unsigned char c : token) width += (c & 0xC0) != 0x80;
    out << cell << token << std::string(width < 16 ? 16 - width : 0, ' ');
    for (const MethodColumn& column : r.methods) {
      std::snprintf(cell, sizeof(cell), "  %8.4f", column.scores[k]);
      out << cell;
    }
    out << "\n";
  }
  if (r.spearman.empty()) return;
  out << "\nSpearman rank correlation:";
  for (const auto& c : r.spearman) {
    out << "  " << c.a << "/" << c.b << " "
        << (std::isnan(c.rho) ? std::string("-") : format_number("%.3f", c.rho));
  }
  out << "\n";
}

}  // namespace attnscope::report
