#include "report/compare_writer.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "analysis/figures.h"
#include "core/error.h"

namespace attnscope::report {
namespace {

using analysis::Comparison;
using analysis::Figure;
using analysis::HeadComparison;

nlohmann::ordered_json value(double v) {
  return std::isnan(v) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
}

nlohmann::ordered_json figures_json(const analysis::HeadFigures& f) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (Figure figure : analysis::kReportedFigures) {
    out[std::string(analysis::figure_name(figure))] = value(f[figure]);
  }
  return out;
}

std::string number(const char* format, double v) {
  if (std::isnan(v)) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), format, v);
  return buffer;
}

std::vector<HeadComparison> chosen(const Comparison& c, const CompareTableOptions& options) {
  if (options.sort != "js" && options.sort != "layer") {
    throw InputError("--sort '" + options.sort + "' is not a compare field; use js or layer");
  }
  std::vector<HeadComparison> heads =
      options.sort == "js" ? analysis::most_changed(c.heads) : c.heads;
  if (options.top > 0 && static_cast<int64_t>(heads.size()) > options.top) {
    heads.resize(options.top);
  }
  return heads;
}

}  // namespace

nlohmann::ordered_json compare_json(const Comparison& c, int64_t top) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["model_a"] = c.model_a;
  out["model_b"] = c.model_b;
  out["tokens_a"] = c.tokens_a;
  out["tokens_b"] = c.tokens_b;
  nlohmann::ordered_json aligned = nlohmann::ordered_json::array();
  for (const auto& [a, b] : c.aligned) aligned.push_back({a, b});
  out["aligned"] = std::move(aligned);
  nlohmann::ordered_json heads = nlohmann::ordered_json::array();
  for (const HeadComparison& h : c.heads) {
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    item["layer"] = h.layer;
    item["head"] = h.head;
    item["js"] = value(h.js);
    item["pattern_a"] = h.pattern_a;
    item["pattern_b"] = h.pattern_b;
    item["a"] = figures_json(h.a);
    item["b"] = figures_json(h.b);
    nlohmann::ordered_json change = nlohmann::ordered_json::object();
    for (Figure figure : analysis::kReportedFigures) {
      change[std::string(analysis::figure_name(figure))] = value(h.b[figure] - h.a[figure]);
    }
    item["change"] = std::move(change);
    heads.push_back(std::move(item));
  }
  out["heads"] = std::move(heads);
  nlohmann::ordered_json most = nlohmann::ordered_json::array();
  for (const HeadComparison& h : chosen(c, {.sort = "js", .top = top})) {
    most.push_back({{"layer", h.layer}, {"head", h.head}, {"js", value(h.js)}});
  }
  out["most_changed"] = std::move(most);
  return out;
}

void write_compare_csv(std::ostream& out, const Comparison& c, const CompareTableOptions& options) {
  out << "layer,head,js,pattern_a,pattern_b";
  for (Figure figure : analysis::kReportedFigures) {
    const std::string name(analysis::figure_name(figure));
    out << "," << name << "_a," << name << "_b," << name << "_change";
  }
  out << "\n";
  for (const HeadComparison& h : chosen(c, options)) {
    out << h.layer << "," << h.head << "," << number("%.9g", h.js) << "," << h.pattern_a << ","
        << h.pattern_b;
    for (Figure figure : analysis::kReportedFigures) {
      out << "," << number("%.9g", h.a[figure]) << "," << number("%.9g", h.b[figure]) << ","
          << number("%.9g", h.b[figure] - h.a[figure]);
    }
    out << "\n";
  }
}

void write_compare_table(std::ostream& out, const Comparison& c,
                         const CompareTableOptions& options) {
  out << "a: " << c.model_a << " (" << c.tokens_a.size() << " tokens)   b: " << c.model_b << " ("
      << c.tokens_b.size() << " tokens)   tokens lined up: " << c.aligned.size() << "\n"
      << "js: mean Jensen-Shannon divergence of the two maps over lined-up rows (0 .. 0.6931)\n\n";
  char line[160];
  std::snprintf(line, sizeof(line), "%5s  %4s  %7s  %-9s  %-9s  %9s  %9s  %9s\n", "layer", "head",
                "js", "pattern_a", "pattern_b", "d_entropy", "d_first", "d_prev");
  out << line;
  for (const HeadComparison& h : chosen(c, options)) {
    const auto change = [&](Figure f) {
      const std::string s = number("%+.4f", h.b[f] - h.a[f]);
      return s.empty() ? std::string("-") : s;
    };
    const std::string js = number("%.4f", h.js);
    std::snprintf(line, sizeof(line), "%5d  %4d  %7s  %-9s  %-9s  %9s  %9s  %9s\n", h.layer, h.head,
                  js.empty() ? "-" : js.c_str(), h.pattern_a.c_str(), h.pattern_b.c_str(),
                  change(Figure::kEntropy).c_str(), change(Figure::kFirst).c_str(),
                  change(Figure::kPrevious).c_str());
    out << line;
  }
}

}  // namespace attnscope::report
