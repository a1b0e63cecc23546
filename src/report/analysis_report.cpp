#include "report/analysis_report.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/quote.h"
#include "report/text_table.h"

namespace attnscope::report {
namespace {

using analysis::AnalysisSummary;
using analysis::Figure;
using analysis::FigureSummary;
using analysis::kFigureCount;
using analysis::kProbePatterns;
using analysis::kReportedFigures;
using analysis::kScoredPatterns;
using analysis::Pattern;

bool is_probe_pattern(Pattern p) {
  return std::find(kProbePatterns.begin(), kProbePatterns.end(), p) != kProbePatterns.end();
}

nlohmann::json number_or_null(double value) {
  if (std::isnan(value)) return nullptr;
  return value;
}

void put_figures(nlohmann::json& out, const std::array<FigureSummary, kFigureCount>& figures,
                 bool with_std) {
  for (Figure figure : kReportedFigures) {
    const FigureSummary& s = figures[static_cast<size_t>(figure)];
    const std::string name(analysis::figure_name(figure));
    out[name] = number_or_null(s.mean);
    if (with_std) out[name + "_std"] = number_or_null(s.std);
  }
}

// Short column titles for the table (the JSON/CSV names are the full ones).
std::string column_title(Figure figure) {
  switch (figure) {
    case Figure::kNormalizedEntropy:
      return "norm_ent";
    case Figure::kConfidence:
      return "conf";
    case Figure::kPrevious:
      return "prev";
    case Figure::kDistance:
      return "dist";
    case Figure::kDistanceNormalized:
      return "dist_norm";
    default:
      return std::string(analysis::figure_name(figure));
  }
}

// On causal models: max over the visible entries is 1 (row 0 sees only itself), their mean is
// 2/(T+1) and `next` is 0, whatever the head does.
bool constant_on_causal(Figure f) {
  return f == Figure::kMax || f == Figure::kMean || f == Figure::kNext;
}

// The figures the table shows.
std::vector<Figure> table_figures(bool causal) {
  std::vector<Figure> out;
  for (Figure f : kReportedFigures) {
    if (!(causal && constant_on_causal(f))) out.push_back(f);
  }
  return out;
}

// layer, head-or-count, pattern (text, left-aligned), then the figures (right-aligned).
std::vector<Align> table_alignment(size_t figures) {
  std::vector<Align> align = {Align::kRight, Align::kRight, Align::kLeft};
  align.resize(3 + figures, Align::kRight);
  return align;
}

std::vector<std::string> header(std::string first, std::string second, std::string third,
                                const std::vector<Figure>& figures) {
  std::vector<std::string> cells = {std::move(first), std::move(second), std::move(third)};
  for (Figure f : figures) cells.push_back(column_title(f));
  return cells;
}

// The head rows to show, in order.
std::vector<const analysis::HeadSummary*> head_rows(const AnalysisSummary& s,
                                                    const HeadRows& rows) {
  check_head_sort(rows.sort);
  std::vector<const analysis::HeadSummary*> out;
  for (const auto& head : s.heads) out.push_back(&head);
  if (rows.sort != "layer") {
    Figure figure = kReportedFigures.front();
    for (Figure f : kReportedFigures) {
      if (analysis::figure_name(f) == rows.sort) figure = f;
    }
    // Highest first; undefined (NaN) figures last; ties keep layer/head order.
    std::stable_sort(out.begin(), out.end(), [figure](const auto* a, const auto* b) {
      const double x = (*a)[figure].mean;
      const double y = (*b)[figure].mean;
      if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
      return x > y;
    });
  }
  if (rows.top > 0 && static_cast<size_t>(rows.top) < out.size()) out.resize(rows.top);
  return out;
}

}  // namespace

std::vector<std::string> head_sort_fields() {
  std::vector<std::string> out = {"layer"};
  for (Figure f : kReportedFigures) out.emplace_back(analysis::figure_name(f));
  return out;
}

void check_head_sort(std::string_view sort) {
  if (sort == "layer") return;
  for (Figure f : kReportedFigures) {
    if (analysis::figure_name(f) == sort) return;
  }
  std::string fields;
  for (const std::string& f : head_sort_fields()) fields += (fields.empty() ? "" : ", ") + f;
  throw InputError("cannot sort heads by " + quote(sort) + "; use one of " + fields);
}

nlohmann::json analysis_json(const AnalysisSummary& summary) {
  const bool several = summary.texts > 1;
  nlohmann::json out = nlohmann::json::object();
  out["model"] = summary.model;
  out["causal"] = summary.causal;
  if (several) {
    out["texts"] = summary.texts;
    out["tokens"] = summary.tokens;
  } else {
    out["tokens"] = summary.tokens.empty() ? std::vector<std::string>{} : summary.tokens.front();
  }
  const bool probed = summary.probe.has_value();
  nlohmann::json thresholds = nlohmann::json::object();
  for (Pattern p : kScoredPatterns)
    thresholds[std::string(analysis::pattern_name(p))] = summary.thresholds[p];
  if (probed) {
    for (Pattern p : kProbePatterns)
      thresholds[std::string(analysis::pattern_name(p))] = summary.thresholds[p];
  }
  out["pattern_thresholds"] = thresholds;
  if (probed) {
    out["probe"] = {{"n", summary.probe->n},
                    {"batches", summary.probe->batches},
                    {"seed", summary.probe->seed}};
  }

  nlohmann::json heads = nlohmann::json::array();
  for (const analysis::HeadSummary& head : summary.heads) {
    nlohmann::json h = nlohmann::json::object();
    h["layer"] = head.layer;
    h["head"] = head.head;
    put_figures(h, head.figures, several);
    h["pattern"] = analysis::pattern_name(head.pattern.pattern);
    nlohmann::json scores = nlohmann::json::object();
    for (size_t k = 0; k < analysis::kScoredPatternCount; ++k) {
      scores[std::string(analysis::pattern_name(kScoredPatterns[k]))] =
          number_or_null(head.pattern.scores[k]);
    }
    if (probed) {
      for (size_t k = 0; k < analysis::kProbePatternCount; ++k) {
        scores[std::string(analysis::pattern_name(kProbePatterns[k]))] =
            number_or_null(head.pattern.probe_scores[k]);
      }
    }
    h["pattern_scores"] = scores;
    heads.push_back(std::move(h));
  }
  out["heads"] = std::move(heads);

  nlohmann::json layers = nlohmann::json::array();
  for (const analysis::LayerSummary& layer : summary.layers) {
    nlohmann::json l = nlohmann::json::object();
    l["layer"] = layer.layer;
    put_figures(l, layer.figures, several);
    nlohmann::json counts = nlohmann::json::object();
    for (size_t k = 0; k < layer.pattern_counts.size(); ++k) {
      const auto pattern = static_cast<Pattern>(k);
      if (!probed && is_probe_pattern(pattern)) continue;  // the classes exist only with a probe
      counts[std::string(analysis::pattern_name(pattern))] = layer.pattern_counts[k];
    }
    l["pattern_counts"] = counts;
    layers.push_back(std::move(l));
  }
  out["layers"] = std::move(layers);
  return out;
}

void write_analysis_table(std::ostream& out, const AnalysisSummary& s, const HeadRows& rows) {
  out << "model: " << (s.model.empty() ? "(unknown)" : s.model)
      << "   causal: " << (s.causal ? "yes" : "no") << "   texts: " << s.texts;
  if (s.texts == 1 && !s.tokens.empty()) out << "   tokens: " << s.tokens[0].size();
  out << "\n";
  if (s.texts > 1) out << "figures are means over texts; --format json or csv adds the std\n";
  if (s.probe) {
    out << "probe: BOS + " << s.probe->n << " random tokens x 2, " << s.probe->batches
        << " batches, seed " << s.probe->seed
        << "; induction (>= " << s.thresholds[Pattern::kInduction]
        << ") and duplicate (>= " << s.thresholds[Pattern::kDuplicate] << ") join the patterns\n";
  }
  if (s.causal) {
    out << "causal: max (= 1), mean (= 2/(T+1)) and next (= 0) are the same for every head and "
           "left out; json and csv keep them\n";
  }
  const std::vector<Figure> figures = table_figures(s.causal);
  const std::vector<const analysis::HeadSummary*> shown = head_rows(s, rows);
  if (rows.sort != "layer" || shown.size() < s.heads.size()) {
    out << "heads sorted by " << rows.sort << (rows.sort == "layer" ? "" : " (highest first)");
    if (shown.size() < s.heads.size())
      out << ", first " << shown.size() << " of " << s.heads.size();
    out << "\n";
  }
  out << "\n";

  std::vector<std::string> head_header = header("layer", "head", "pattern", figures);
  if (s.probe) {
    head_header.push_back("induct");
    head_header.push_back("dup");
  }
  TextTable heads(head_header, table_alignment(head_header.size() - 3));
  for (const auto* head : shown) {
    std::vector<std::string> row = {std::to_string(head->layer), std::to_string(head->head),
                                    std::string(analysis::pattern_name(head->pattern.pattern))};
    for (Figure f : figures) row.push_back(table_number((*head)[f].mean));
    if (s.probe) {
      for (double score : head->pattern.probe_scores) row.push_back(table_number(score));
    }
    heads.add_row(std::move(row));
  }
  heads.write(out);

  out << "\nlayer summary (mean of the layer's heads)\n";
  TextTable layers(header("layer", "heads", "patterns", figures), table_alignment(figures.size()));
  for (const auto& layer : s.layers) {
    std::string patterns;
    int count = 0;
    for (size_t k = 0; k < layer.pattern_counts.size(); ++k) {
      count += layer.pattern_counts[k];
      if (layer.pattern_counts[k] == 0) continue;
      if (!patterns.empty()) patterns += ",";
      patterns += std::string(analysis::pattern_name(static_cast<Pattern>(k))) + ":" +
                  std::to_string(layer.pattern_counts[k]);
    }
    std::vector<std::string> row = {std::to_string(layer.layer), std::to_string(count), patterns};
    for (Figure f : figures) row.push_back(table_number(layer[f].mean));
    layers.add_row(std::move(row));
  }
  layers.write(out);
}

void write_analysis_csv(std::ostream& out, const AnalysisSummary& s, const HeadRows& rows) {
  const bool several = s.texts > 1;
  out << "layer,head,pattern";
  for (Figure f : kReportedFigures) out << "," << analysis::figure_name(f);
  if (several) {
    for (Figure f : kReportedFigures) out << "," << analysis::figure_name(f) << "_std";
  }
  for (Pattern p : kScoredPatterns) out << ",score_" << analysis::pattern_name(p);
  if (s.probe) {
    for (Pattern p : kProbePatterns) out << ",score_" << analysis::pattern_name(p);
  }
  out << "\n";
  for (const auto* row : head_rows(s, rows)) {
    const analysis::HeadSummary& head = *row;
    out << head.layer << "," << head.head << "," << analysis::pattern_name(head.pattern.pattern);
    for (Figure f : kReportedFigures) out << "," << csv_number(head[f].mean);
    if (several) {
      for (Figure f : kReportedFigures) out << "," << csv_number(head[f].std);
    }
    for (double score : head.pattern.scores) out << "," << csv_number(score);
    if (s.probe) {
      for (double score : head.pattern.probe_scores) out << "," << csv_number(score);
    }
    out << "\n";
  }
}

}  // namespace attnscope::report
