#include "analysis/summary.h"

namespace attnscope::analysis {

void RunningFigures::add(const HeadFigures& figures) {
  for (size_t f = 0; f < kFigureCount; ++f) {
    const double x = figures.values[f];
    if (std::isnan(x)) continue;
    ++count_[f];
    const double delta = x - mean_[f];
    mean_[f] += delta / static_cast<double>(count_[f]);
    m2_[f] += delta * (x - mean_[f]);
  }
}

std::array<FigureSummary, kFigureCount> RunningFigures::summary() const {
  std::array<FigureSummary, kFigureCount> out;
  for (size_t f = 0; f < kFigureCount; ++f) {
    out[f].texts = count_[f];
    if (count_[f] == 0) continue;
    out[f].mean = mean_[f];
    out[f].std = std::sqrt(std::max(0.0, m2_[f]) / static_cast<double>(count_[f]));
  }
  return out;
}

HeadFigures RunningFigures::means() const {
  HeadFigures out;
  for (size_t f = 0; f < kFigureCount; ++f) {
    if (count_[f] > 0) out.values[f] = mean_[f];
  }
  return out;
}

namespace {

nlohmann::json number_or_null(double value) {
  if (std::isnan(value)) return nullptr;
  return value;
}

void put_figures(nlohmann::json& out, const std::array<FigureSummary, kFigureCount>& figures,
                 bool with_std) {
  for (Figure figure : kReportedFigures) {
    const FigureSummary& s = figures[static_cast<size_t>(figure)];
    const std::string name(figure_name(figure));
    out[name] = number_or_null(s.mean);
    if (with_std) out[name + "_std"] = number_or_null(s.std);
  }
}

}  // namespace

nlohmann::json to_json(const AnalysisSummary& summary) {
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
  nlohmann::json thresholds = nlohmann::json::object();
  for (Pattern p : kScoredPatterns)
    thresholds[std::string(pattern_name(p))] = summary.thresholds[p];
  out["pattern_thresholds"] = thresholds;

  nlohmann::json heads = nlohmann::json::array();
  for (const HeadSummary& head : summary.heads) {
    nlohmann::json h = nlohmann::json::object();
    h["layer"] = head.layer;
    h["head"] = head.head;
    put_figures(h, head.figures, several);
    h["pattern"] = pattern_name(head.pattern.pattern);
    nlohmann::json scores = nlohmann::json::object();
    for (size_t k = 0; k < kScoredPatternCount; ++k) {
      scores[std::string(pattern_name(kScoredPatterns[k]))] =
          number_or_null(head.pattern.scores[k]);
    }
    h["pattern_scores"] = scores;
    heads.push_back(std::move(h));
  }
  out["heads"] = std::move(heads);

  nlohmann::json layers = nlohmann::json::array();
  for (const LayerSummary& layer : summary.layers) {
    nlohmann::json l = nlohmann::json::object();
    l["layer"] = layer.layer;
    put_figures(l, layer.figures, several);
    nlohmann::json counts = nlohmann::json::object();
    for (size_t k = 0; k < layer.pattern_counts.size(); ++k) {
      counts[std::string(pattern_name(static_cast<Pattern>(k)))] = layer.pattern_counts[k];
    }
    l["pattern_counts"] = counts;
    layers.push_back(std::move(l));
  }
  out["layers"] = std::move(layers);
  return out;
}

}  // namespace attnscope::analysis
