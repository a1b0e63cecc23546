#include "report/probe_writer.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"

namespace attnscope::report {
namespace {

using analysis::HeadProbe;
using analysis::ProbeKind;
using analysis::ProbeResult;

std::string number(const char* format, double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

std::vector<HeadProbe> sorted_heads(const ProbeResult& result, const ProbeTableOptions& options) {
  check_probe_sort(options.sort);
  std::vector<HeadProbe> heads = result.heads;
  if (options.sort != "layer") {
    ProbeKind kind = ProbeKind::kInduction;
    for (ProbeKind k : analysis::kProbeKinds) {
      if (analysis::probe_score_name(k) == options.sort) kind = k;
    }
    heads = analysis::ranked_by(std::move(heads), kind);
  }
  if (options.top > 0 && static_cast<int64_t>(heads.size()) > options.top)
    heads.resize(options.top);
  return heads;
}

}  // namespace

void check_probe_sort(const std::string& field) {
  if (field.empty() || field == "layer") return;
  for (ProbeKind k : analysis::kProbeKinds) {
    if (analysis::probe_score_name(k) == field) return;
  }
  throw InputError("--sort '" + field +
                   "' is not a probe field; use layer, previous_token_score, "
                   "duplicate_token_score or induction_score");
}

nlohmann::ordered_json probe_json(const ProbeResult& result, const std::string& model) {
  nlohmann::ordered_json out = {
      {"model", model},
      {"n", result.options.n},
      {"batches", result.options.batches},
      {"seed", result.options.seed},
      {"bos_id", result.bos_id ? nlohmann::ordered_json(*result.bos_id) : nullptr}};
  nlohmann::ordered_json heads = nlohmann::ordered_json::array();
  for (const HeadProbe& h : result.heads) {
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    item["layer"] = h.layer;
    item["head"] = h.head;
    item["previous_token_score"] = h.previous_token_score;
    item["duplicate_token_score"] = h.duplicate_token_score;
    item["induction_score"] = h.induction_score;
    const std::string pattern = h.pattern();
    item["pattern"] =
        pattern.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(pattern);
    heads.push_back(std::move(item));
  }
  out["heads"] = std::move(heads);
  nlohmann::ordered_json top = nlohmann::ordered_json::object();
  for (ProbeKind kind : analysis::kProbeKinds) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    const auto ranked = analysis::ranked_by(result.heads, kind);
    for (size_t k = 0; k < ranked.size() && static_cast<int64_t>(k) < kProbeTopHeads; ++k) {
      list.push_back(
          {{"layer", ranked[k].layer}, {"head", ranked[k].head}, {"score", ranked[k].score(kind)}});
    }
    top[std::string(analysis::probe_score_name(kind))] = std::move(list);
  }
  out["top"] = std::move(top);
  return out;
}

void write_probe_csv(std::ostream& out, const ProbeResult& result,
                     const ProbeTableOptions& options) {
  out << "layer,head,previous_token_score,duplicate_token_score,induction_score,pattern\n";
  for (const HeadProbe& h : sorted_heads(result, options)) {
    out << h.layer << "," << h.head << "," << number("%.9g", h.previous_token_score) << ","
        << number("%.9g", h.duplicate_token_score) << "," << number("%.9g", h.induction_score)
        << "," << h.pattern() << "\n";
  }
}

void write_probe_table(std::ostream& out, const ProbeResult& result, const std::string& model,
                       const ProbeTableOptions& options) {
  out << "model: " << model << "   probe: " << (result.bos_id ? "BOS + " : "") << result.options.n
      << " random tokens x 2, " << result.options.batches << " batches, seed "
      << result.options.seed << "\n\n";
  char line[128];
  std::snprintf(line, sizeof(line), "%5s  %4s  %9s  %9s  %9s  %s\n", "layer", "head", "previous",
                "duplicate", "induction", "pattern");
  out << line;
  for (const HeadProbe& h : sorted_heads(result, options)) {
    std::snprintf(line, sizeof(line), "%5d  %4d  %9.4f  %9.4f  %9.4f  %s\n", h.layer, h.head,
                  h.previous_token_score, h.duplicate_token_score, h.induction_score,
                  h.pattern().empty() ? "-" : h.pattern().c_str());
    out << line;
  }
  out << "\n";
  for (ProbeKind kind : analysis::kProbeKinds) {
    const auto ranked = analysis::ranked_by(result.heads, kind);
    out << "top " << analysis::probe_pattern_name(kind) << " heads:";
    for (size_t k = 0; k < ranked.size() && static_cast<int64_t>(k) < kProbeTopHeads; ++k) {
      out << " " << ranked[k].layer << "." << ranked[k].head << " ("
          << number("%.3f", ranked[k].score(kind)) << ")";
    }
    out << "\n";
  }
}

}  // namespace attnscope::report
