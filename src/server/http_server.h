// The HTTP side of `attnscope serve`, apart from what the dashboard answers: an RAII wrapper over
// GNU libmicrohttpd (one thread per connection) that refuses every request that should not reach
// a handler, so handlers only ever see a checked request:
//   - Host must name the bound address, localhost, 127.0.0.1 or [::1] with the port (DNS
//     rebinding) -> 403; a POST whose Origin is another site -> 403.
//   - the path is checked on the raw request target: percent-escapes decoded once, and "." / ".."
//     segments, encoded '/' or '\', empty segments -> 404; NUL or control bytes -> 400. Handlers
//     get the decoded path and query; no path a client sends is ever opened as a file.
//   - token: `Authorization: Bearer T` or the `attnscope_token` cookie (constant-time compare)
//     on every path `needs_token` names -> 401; `GET /?token=T` swaps the token for an HttpOnly,
//     SameSite=Strict cookie and redirects (303) to the same path without it.
//   - body caps per route, checked against Content-Length before any body byte is read and while
//     a chunked body arrives -> 413; a GET with a body -> 400 (no request smuggling).
//   - connection timeout (slowloris), connection limit, per-connection memory (bounds the URI and
//     header size: MHD answers 414 / 431).
// Every response carries the security headers (Content-Security-Policy, nosniff, X-Frame-Options,
// Referrer-Policy; Cache-Control: no-store on /api/) and header values never hold CR, LF or NUL.
//
//   HttpServer server({.host = "127.0.0.1", .port = 0, .token = token},
//                     [](const HttpRequest& r) { return HttpResponse::json(200, "{}"); });
//   std::cout << server.port();   // the port picked
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct MHD_Daemon;

namespace attnscope::server {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // decoded, checked: "/api/analyze"
  std::map<std::string, std::string> query;                  // decoded; the first of repeated keys
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  // The first header named `name` (lower-case), or "".
  std::string header(std::string_view name) const;
  // A query parameter, or "".
  std::string param(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;

  static HttpResponse json(int status, std::string body);
  // {"error": message, "kind": kind}, message on one line.
  static HttpResponse error(int status, std::string_view kind, std::string_view message);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 literal, or "localhost"
  uint16_t port = 8080;            // 0: a free port (see HttpServer::port)
  std::string token;               // required; [A-Za-z0-9._~-], at least 16 characters
  // Paths that need the token (default: /api/... except /api/health).
  std::function<bool(std::string_view path)> needs_token;
  // The largest body accepted for a request (default: 2 MB for every request).
  std::function<size_t(std::string_view method, std::string_view path)> body_cap;
  unsigned connection_timeout_s = 15;    // idle connections are closed after this
  unsigned connection_limit = 256;       // connections at once (one thread each)
  size_t connection_memory = 64 * 1024;  // per connection: request line + headers
};

// Checks a request target ("/a/b%20c?x=1") as HttpServer does: the decoded path and query, or
// the status to answer (404 for traversal, 400 for malformed). Exposed for tests.
struct TargetCheck {
  int status = 0;  // 0: fine
  std::string message;
  std::string path;
  std::map<std::string, std::string> query;
};
TargetCheck check_target(std::string_view target);

// Constant-time comparison (the time depends on the lengths only).
bool equal_constant_time(std::string_view a, std::string_view b);

class HttpServer {
 public:
  // Binds and starts answering. IoError when the address cannot be bound (in use, not local),
  // InputError for a bad host or token.
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }
  // The bound address as a URL host: "127.0.0.1", "[::1]".
  const std::string& url_host() const { return url_host_; }
  // True when bound to a loopback address.
  bool loopback() const { return loopback_; }
  // Stops accepting and waits for the running requests. Idempotent.
  void stop();

  // Internal (called by libmicrohttpd's C callbacks).
  struct Exchange;
  // A response that refuses `request` from its headers alone, or nullopt to read its body.
  // Fills request.path and request.query from `target`.
  std::optional<HttpResponse> precheck(HttpRequest& request, const std::string& target,
                                       std::optional<uint64_t> content_length, bool chunked) const;
  HttpResponse dispatch(const HttpRequest& request) const;
  size_t cap_for(const HttpRequest& request) const;

 private:
  bool host_allowed(std::string_view host) const;
  bool origin_allowed(std::string_view origin) const;

  HttpServerOptions options_;
  HttpHandler handler_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
  std::string url_host_;
  bool loopback_ = true;
  bool wildcard_ = false;
  std::vector<std::string> allowed_hosts_;
};

}  // namespace attnscope::server
