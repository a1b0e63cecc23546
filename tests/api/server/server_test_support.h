// A dashboard server for tests (started in-process on a free port) and the clients that talk to
// it: libcurl for ordinary requests, a raw socket for malformed ones.
//
//   TestServer server;                                   // demo model, token kToken
//   Reply r = server.post("/api/analyze", R"({"model": "demo", "text": "a b"})");
//   EXPECT_EQ(r.status, 200);
//   std::string raw = send_raw(server.port(), "GET /../x HTTP/1.1\r\nHost: ...\r\n\r\n");
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/api.h"
#include "server/dashboard.h"
#include "server/http_server.h"

namespace attnscope::testing {

inline constexpr const char* kToken = "test-token-0123456789abcdef";

struct Reply {
  long status = 0;                             // 0: no HTTP answer (connection closed)
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
  std::string raw_headers;
  std::string body;
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Request {
  std::string method = "GET";
  std::string path = "/";
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  bool token = true;                 // send Authorization: Bearer kToken
  bool chunked = false;              // send the body with Transfer-Encoding: chunked
  std::string host;                  // Host header; "" = 127.0.0.1:port
  long timeout_ms = 20000;
};

Reply http(uint16_t port, const Request& request);

// Writes `bytes`, then reads until the server closes or `timeout_ms` passes.
std::string send_raw(uint16_t port, const std::string& bytes, int timeout_ms = 3000);
// A connected socket (caller closes).
int connect_to(uint16_t port);

struct TestServerOptions {
  server::DashboardOptions dashboard;
  unsigned timeout_s = 15;
  std::string host = "127.0.0.1";
};

class TestServer {
 public:
  TestServer() : TestServer(TestServerOptions{}) {}
  explicit TestServer(TestServerOptions options);
  uint16_t port() const { return http_->port(); }
  std::string host() const { return "127.0.0.1:" + std::to_string(port()); }
  server::Dashboard& dashboard() { return *dashboard_; }
  server::HttpServer& http_server() { return *http_; }

  Reply get(const std::string& path) const { return http(port(), {.path = path}); }
  Reply post(const std::string& path, const std::string& body) const {
    return http(port(), {.method = "POST", .path = path, .body = body});
  }
  Reply send(Request request) const { return http(port(), request); }

 private:
  std::unique_ptr<server::Dashboard> dashboard_;
  std::unique_ptr<server::Api> api_;
  std::unique_ptr<server::HttpServer> http_;
};

// The process's resident set (VmRSS), in bytes.
uint64_t rss_bytes();

}  // namespace attnscope::testing
