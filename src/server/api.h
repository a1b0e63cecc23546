// The dashboard's HTTP routes (docs/api.md): JSON API over a Dashboard, and the embedded page.
// HttpServer has already checked Host, Origin, token, path and body size; this maps each route
// to a Dashboard method and each attnscope error to its status:
//   input/format/unsupported 400, not_found 404, limit 422, busy 503 + Retry-After,
//   io/config/shape and anything else 500.
//
//   Dashboard dashboard(options);
//   Api api(dashboard);
//   HttpServer server({.token = t, .body_cap = Api::body_cap},
//                     [&](const HttpRequest& r) { return api.handle(r); });
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "server/dashboard.h"
#include "server/http_server.h"

namespace attnscope::server {

inline constexpr size_t kBodyCap = size_t{2} << 20;         // 2 MiB
inline constexpr size_t kUploadBodyCap = size_t{20} << 20;  // 20 MiB, POST /api/upload

// Builds the offline HTML snapshot for {"model", "text"} (POST /api/report); set by the app.
using ReportBuilder = std::function<std::string(Dashboard&, const nlohmann::json& request)>;

class Api {
 public:
  explicit Api(Dashboard& dashboard, ReportBuilder report = {});
  HttpResponse handle(const HttpRequest& request) const;
  // The body cap of a route (HttpServerOptions::body_cap).
  static size_t body_cap(std::string_view method, std::string_view path);

 private:
  HttpResponse api(const HttpRequest& request) const;
  Dashboard& dashboard_;
  ReportBuilder report_;
};

// The HTTP answer for the exception being handled (call inside a catch block).
HttpResponse error_response(std::exception_ptr error);

}  // namespace attnscope::server
