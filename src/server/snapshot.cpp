#include "server/snapshot.h"

#include "core/error.h"
#include "report/html_snapshot.h"

namespace attnscope::server {
namespace {

std::string mib(uint64_t bytes) {
  return std::to_string((bytes + (uint64_t{1} << 20) - 1) >> 20) + " MB";
}

}  // namespace

nlohmann::json snapshot_bundle(Dashboard& dashboard, const nlohmann::json& request) {
  if (!request.is_object() || !request.contains("model") || !request["model"].is_string() ||
      !request.contains("text") || !request["text"].is_string()) {
    throw InputError("a report needs {\"model\": string, \"text\": string}");
  }
  const std::string model = request["model"];
  const std::string text = request["text"];
  const nlohmann::json base = {{"model", model}, {"text", text}};

  nlohmann::json info;
  const nlohmann::json listed = nlohmann::json::parse(dashboard.models());
  for (const auto& m : listed["models"]) {
    if (m["id"] == model) info = m;
  }
  // Tokenizing first names an unknown model or a text over --max-tokens before any forward pass.
  nlohmann::json tokenized = nlohmann::json::parse(dashboard.tokenize(base));
  if (info.is_null()) throw InputError("model '" + model + "' is not listed");

  const auto layers = info["layers"].get<int64_t>();
  const auto heads = info["heads"].get<int64_t>();
  const auto tokens = static_cast<int64_t>(tokenized["tokens"].size());
  const uint64_t values =
      static_cast<uint64_t>(layers) * heads * static_cast<uint64_t>(tokens) * tokens;
  if (values * 2 > kSnapshotMaxBytes) {
    throw LimitError("a snapshot of " + std::to_string(tokens) + " tokens holds " +
                     std::to_string(layers) + " layers x " + std::to_string(heads) +
                     " heads of attention, " + mib(values * 2) + " in f16, above the " +
                     mib(kSnapshotMaxBytes) + " a snapshot may hold; use a shorter text");
  }
  const bool f16 = values * 4 > kSnapshotF32Bytes;

  nlohmann::json bundle = {
      {"format", "attnscope-snapshot"}, {"version", 1}, {"model", model}, {"text", text}};
  bundle["models"] = {{"models", nlohmann::json::array({info})}};
  bundle["tokenize"] = std::move(tokenized);
  bundle["analyze"] = nlohmann::json::parse(dashboard.analyze(base));
  bundle["analyze_csv"] = dashboard.analyze_csv(base);
  // Every method the page offers (web/js/views/importance.js), by the page's key; flow only
  // where the text is within its size limit (the page then says it is not in the snapshot).
  bundle["importance"] = nlohmann::json::object();
  bundle["importance_csv"] = nlohmann::json::object();
  for (const char* key : {"raw", "raw-visible", "rollout", "flow", "norm"}) {
    nlohmann::json with_method = base;
    with_method["method"] = std::string(key) == "raw-visible" ? "raw" : key;
    if (std::string(key) == "raw-visible") with_method["visible_only"] = true;
    try {
      bundle["importance"][key] = nlohmann::json::parse(dashboard.importance(with_method));
      bundle["importance_csv"][key] = dashboard.importance_csv(with_method);
    } catch (const LimitError&) {
      if (std::string(key) != "flow") throw;
    }
  }
  nlohmann::json attention = nlohmann::json::array();
  for (int64_t layer = 0; layer < layers; ++layer) {
    nlohmann::json one = base;
    one["layer"] = layer;
    attention.push_back(
        {{"layer", layer}, {"binary", report::base64(dashboard.attention_binary(one, f16))}});
  }
  bundle["attention"] = std::move(attention);
  return bundle;
}

std::string build_report(Dashboard& dashboard, const nlohmann::json& request) {
  return report::html_snapshot(snapshot_bundle(dashboard, request));
}

}  // namespace attnscope::server
