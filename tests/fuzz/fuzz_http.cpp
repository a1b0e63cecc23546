// The request path of `attnscope serve` behind the HTTP parser (libmicrohttpd's own parsing is
// not ours): the target check (decoding, traversal, query) and every API route of the demo
// model with a hostile body. Input: one byte choosing the route, the request target up to the
// first newline, then the body. A 5xx other than 503 (busy) is an internal error, so a crash
// here: every hostile request must be answered 4xx with a message, or 200.
#include <array>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "server/api.h"
#include "server/dashboard.h"
#include "server/http_server.h"

namespace {

using namespace attnscope::server;

constexpr std::array<std::string_view, 8> kRoutes = {
    "/api/models",     "/api/tokenize", "/api/analyze", "/api/attention",
    "/api/importance", "/api/upload",   "/api/report",  "/api/health"};

Api& api() {
  static Dashboard dashboard([] {
    DashboardOptions options;
    options.models = {"demo"};
    options.max_tokens = 96;  // keeps each forward pass short
    options.upload_max_tokens = 512;
    options.cache_bytes = size_t{16} << 20;
    return options;
  }());
  static Api instance(dashboard);
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t newline = input.find('\n');
  const std::string_view target = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  // The target as HttpServer checks it; a malformed one never reaches a route.
  const TargetCheck check = check_target(target);
  HttpRequest request;
  request.method = data[0] & 0x80 ? "GET" : "POST";
  request.path = kRoutes[data[0] % kRoutes.size()];
  if (check.status == 0) request.query = check.query;
  request.headers = {{"content-type", "application/json"}};
  request.body = std::string(body);
  const HttpResponse response = api().handle(request);
  if (response.status >= 500 && response.status != 503) {
    fprintf(stderr, "internal error %d for %s: %s\n", response.status, request.path.c_str(),
            response.body.c_str());
    std::abort();
  }
  return 0;
}
