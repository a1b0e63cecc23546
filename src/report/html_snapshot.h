// The dashboard as ONE self-contained HTML file (`attnscope report`, POST /api/report): the page's
// CSS and JavaScript inlined, its images as data: URIs, and the API's answers for one text
// embedded as <script type="application/json" id="attnscope-snapshot">. It opens from file://
// with no server and no network, and can sit in a notebook iframe; the page's api.js answers
// from the embedded data.
//
//   nlohmann::json bundle = server::snapshot_bundle(dashboard, "demo", "the cat sat");
//   std::string html = report::html_snapshot(bundle);  // the embedded web assets
//
// Browsers refuse ES modules from file:// and a data: module cannot import relatively, so the
// modules are inlined as one classic script, in dependency order, each wrapped in a function
// whose imports and exports are rewritten. The page's JavaScript keeps to a convention that
// makes this a line-level rewrite (web/README.md, "Offline snapshot"); anything outside it is a
// FormatError naming the file and line, and tests/unit/report checks the real assets.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "web_assets.h"

namespace attnscope::report {

// The snapshot page from `assets` (index.html and what it references; "/js/main.js" is the
// entry module) and the data bundle. FormatError when an asset breaks the convention or
// index.html references something that is not an asset.
std::string html_snapshot(std::span<const web::Asset> assets, const nlohmann::json& bundle);

// The same from the assets embedded in the binary (web::assets()).
std::string html_snapshot(const nlohmann::json& bundle);

// `json` as text that is safe inside <script type="application/json">: every '<', '>' and '&'
// is written as a \u escape (only JSON strings can hold them), so no "</script>" or "<!--" can
// end or change the element.
std::string script_safe_json(const nlohmann::json& json);

// Standard base64 (RFC 4648, with padding).
std::string base64(std::string_view bytes);

}  // namespace attnscope::report
