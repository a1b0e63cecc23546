// The data of an offline snapshot (`attnscope report`, POST /api/report): the Dashboard's own
// answers for one text, so the snapshot page shows exactly what the live dashboard shows.
//
//   Dashboard dashboard({.models = {"demo"}});
//   std::string html = build_report(dashboard, {{"model", "demo"}, {"text", "the cat sat"}});
//
// The bundle (web/README.md, "Offline snapshot"):
//   {"format": "attnscope-snapshot", "version": 1, "model", "text",
//    "models": {"models": [the one model]}, "tokenize", "analyze", "analyze_csv",
//    "importance": {"raw": ...}, "importance_csv": {"raw": "..."},
//    "attention": [{"layer": L, "binary": base64 of POST /api/attention?format=f32|f16}, ...]}
// Attention is kept in f32 up to kSnapshotF32Bytes (exact numbers), in f16 beyond, and refused
// (LimitError naming the sizes) above kSnapshotMaxBytes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "server/dashboard.h"

namespace attnscope::server {

inline constexpr uint64_t kSnapshotF32Bytes = uint64_t{24} << 20;
inline constexpr uint64_t kSnapshotMaxBytes = uint64_t{64} << 20;

// The bundle for {"model", "text"}. Errors as the Dashboard's (unknown model, --max-tokens, ...).
nlohmann::json snapshot_bundle(Dashboard& dashboard, const nlohmann::json& request);

// The self-contained HTML page (report::html_snapshot of the bundle). Matches ReportBuilder.
std::string build_report(Dashboard& dashboard, const nlohmann::json& request);

}  // namespace attnscope::server
