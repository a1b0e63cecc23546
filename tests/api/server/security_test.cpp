// One test per rule of issue #9 section 4 and RELIABILITY.md HS-1..HS-9, over a real socket.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "server_test_support.h"
#include "support/temp_dir.h"

namespace attnscope::testing {
namespace {

TestServer& shared_server() {
  static TestServer server;
  return server;
}

const std::string kAnalyze = R"({"model": "demo", "text": "the cat sat"})";

std::string kind_of(const Reply& r) {
  try {
    return nlohmann::json::parse(r.body).at("kind").get<std::string>();
  } catch (...) {
    return "<not json: " + r.body + ">";
  }
}

// HS-1
TEST(ApiSecurity, BindsLoopbackByDefault) {
  EXPECT_EQ(server::HttpServerOptions{}.host, "127.0.0.1");
  EXPECT_EQ(shared_server().http_server().url_host(), "127.0.0.1");
  EXPECT_TRUE(shared_server().http_server().loopback());
}

TEST(ApiSecurity, RefusesAHostThatIsNotAnAddress) {
  server::HttpServerOptions options;
  options.port = 0;
  options.token = kToken;
  options.host = "example.com";
  EXPECT_THROW(server::HttpServer(options, [](const auto&) { return server::HttpResponse{}; }),
               InputError);
}

// HS-2: DNS rebinding.
TEST(ApiSecurity, ForeignHostHeaderIs403) {
  const uint16_t port = shared_server().port();
  const std::string p = std::to_string(port);
  for (const std::string& host :
       std::vector<std::string>{"evil.example", "evil.example:" + p, "127.0.0.1:1",
                                "127.0.0.2:" + p, "localhost.evil.example:" + p}) {
    const Reply r = http(port, {.path = "/api/health", .host = host});
    EXPECT_EQ(r.status, 403) << host;
    EXPECT_EQ(kind_of(r), "auth");
  }
  for (const std::string& host : std::vector<std::string>{"127.0.0.1:" + p, "localhost:" + p,
                                                          "[::1]:" + p, "LOCALHOST:" + p}) {
    EXPECT_EQ(http(port, {.path = "/api/health", .host = host}).status, 200) << host;
  }
  // No Host at all (HTTP/1.0).
  const std::string raw = send_raw(port, "GET /api/health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.0 403", 0) == 0 || raw.rfind("HTTP/1.1 403", 0) == 0, true) << raw;
}

// HS-2: CSRF.
TEST(ApiSecurity, ForeignOriginOnPostIs403) {
  const uint16_t port = shared_server().port();
  for (const std::string& origin : std::vector<std::string>{
           "http://evil.example", "null", "https://127.0.0.1:" + std::to_string(port),
           "http://127.0.0.1:1"}) {
    const Reply r = http(port, {.method = "POST",
                                .path = "/api/analyze",
                                .body = kAnalyze,
                                .headers = {"Origin: " + origin}});
    EXPECT_EQ(r.status, 403) << origin;
  }
  const Reply cross = http(port, {.method = "POST",
                                  .path = "/api/analyze",
                                  .body = kAnalyze,
                                  .headers = {"Sec-Fetch-Site: cross-site"}});
  EXPECT_EQ(cross.status, 403);
  const Reply same = http(port, {.method = "POST",
                                 .path = "/api/analyze",
                                 .body = kAnalyze,
                                 .headers = {"Origin: http://127.0.0.1:" + std::to_string(port)}});
  EXPECT_EQ(same.status, 200) << same.body;
}

// HS-3
TEST(ApiSecurity, MissingTokenIs401) {
  const Reply r = http(shared_server().port(), {.path = "/api/models", .token = false});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(kind_of(r), "auth");
  const Reply post =
      http(shared_server().port(),
           {.method = "POST", .path = "/api/analyze", .body = kAnalyze, .token = false});
  EXPECT_EQ(post.status, 401);
}

TEST(ApiSecurity, WrongTokenIs401) {
  const uint16_t port = shared_server().port();
  const std::string token = kToken;
  for (const std::string& given :
       std::vector<std::string>{token + "x", token.substr(0, token.size() - 1),
                                std::string(token.size(), 'a'), std::string("")}) {
    const Reply bearer = http(
        port,
        {.path = "/api/models", .headers = {"Authorization: Bearer " + given}, .token = false});
    EXPECT_EQ(bearer.status, 401) << given;
    const Reply cookie = http(
        port,
        {.path = "/api/models", .headers = {"Cookie: attnscope_token=" + given}, .token = false});
    EXPECT_EQ(cookie.status, 401) << given;
  }
  // The token is never echoed back.
  const Reply r = http(
      port, {.path = "/api/models", .headers = {"Authorization: Bearer nope"}, .token = false});
  EXPECT_EQ(r.body.find(kToken), std::string::npos);
}

TEST(ApiSecurity, TokenByCookieWorks) {
  const Reply r = http(shared_server().port(),
                       {.path = "/api/models",
                        .headers = {std::string("Cookie: other=1; attnscope_token=") + kToken},
                        .token = false});
  EXPECT_EQ(r.status, 200);
}

TEST(ApiSecurity, ConstantTimeCompareIsAnEqualityTest) {
  EXPECT_TRUE(server::equal_constant_time("abc", "abc"));
  EXPECT_FALSE(server::equal_constant_time("abc", "abd"));
  EXPECT_FALSE(server::equal_constant_time("abc", "abcd"));
  EXPECT_FALSE(server::equal_constant_time("", "a"));
  EXPECT_TRUE(server::equal_constant_time("", ""));
}

// HS-5: the cap is checked against Content-Length before any body byte is read.
TEST(ApiSecurity, OversizedContentLengthIs413BeforeTheBody) {
  const uint16_t port = shared_server().port();
  const std::string raw =
      send_raw(port,
               "POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                   "\r\nAuthorization: Bearer " + kToken + "\r\nContent-Length: 3000000\r\n\r\n{",
               3000);
  EXPECT_EQ(raw.rfind("HTTP/1.1 413", 0), 0u) << raw.substr(0, 200);
  // Upload has its own cap (20 MB): 3 MB passes the header check there.
  const std::string big(21 << 20, 'x');
  const Reply upload = shared_server().send({.method = "POST", .path = "/api/upload", .body = big});
  EXPECT_EQ(upload.status, 413);
}

TEST(ApiSecurity, OversizedChunkedBodyIs413) {
  const std::string body = R"({"model": "demo", "text": ")" + std::string(2500000, 'a') + "\"}";
  const Reply r = shared_server().send(
      {.method = "POST", .path = "/api/analyze", .body = body, .chunked = true});
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  EXPECT_EQ(kind_of(r), "limit");
  // A small chunked body is fine.
  const Reply ok = shared_server().send(
      {.method = "POST", .path = "/api/analyze", .body = kAnalyze, .chunked = true});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

// CVE-2025-46728: a chunked body that never ends is cut, with memory bounded by the cap.
TEST(ApiSecurity, EndlessChunkedBodyIsCut) {
  TestServerOptions options;
  options.timeout_s = 1;
  TestServer server(options);
  const int fd = connect_to(server.port());
  ASSERT_GE(fd, 0);
  std::string head = "POST /api/analyze HTTP/1.1\r\nHost: " + server.host() +
                     "\r\nAuthorization: Bearer " + kToken +
                     "\r\nTransfer-Encoding: chunked\r\n\r\n";
  ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";
  // 8 MB of chunks with no final chunk: the server stops reading past twice the cap.
  bool cut = false;
  for (int k = 0; k < 128 && !cut; ++k) {
    cut = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) <= 0;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  char buffer[256];
  pollfd p{fd, POLLIN, 0};
  const bool closed = cut ||
                      (::poll(&p, 1, 2000) > 0 && ::recv(fd, buffer, sizeof(buffer), 0) <= 0) ||
                      ::send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL) <= 0;
  ::close(fd);
  EXPECT_TRUE(closed);
  EXPECT_EQ(server.get("/api/health").status, 200);
}

// A form or text/plain POST needs no CORS preflight from a foreign page: only JSON is taken.
TEST(ApiSecurity, PostBodiesMustBeJson) {
  for (const char* type :
       {"Content-Type: text/plain", "Content-Type: application/x-www-form-urlencoded",
        "Content-Type: multipart/form-data; boundary=x", "Content-Type: application/jsonp",
        "Content-Type:"}) {
    const Reply r = shared_server().send(
        {.method = "POST", .path = "/api/analyze", .body = kAnalyze, .headers = {type}});
    EXPECT_EQ(r.status, 415) << type << ": " << r.body;
    EXPECT_NE(r.body.find("application/json"), std::string::npos) << r.body;
  }
  for (const char* type :
       {"Content-Type: application/json", "Content-Type: Application/JSON; charset=UTF-8"}) {
    const Reply r = shared_server().send(
        {.method = "POST", .path = "/api/analyze", .body = kAnalyze, .headers = {type}});
    EXPECT_EQ(r.status, 200) << type << ": " << r.body;
  }
}

// Two framings of one body (request smuggling): 400 before the body is read.
TEST(ApiSecurity, AmbiguousBodyFramingIs400) {
  const uint16_t port = shared_server().port();
  const std::string head = "POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                           "\r\nAuthorization: Bearer " + kToken +
                           "\r\nContent-Type: application/json\r\nConnection: close\r\n";
  const std::string body = kAnalyze;
  const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  for (const std::string& framing : {length + "Content-Length: 5\r\n", length + length,
                                     length + "Transfer-Encoding: chunked\r\n"}) {
    const std::string raw = send_raw(port, head + framing + "\r\n" + body, 3000);
    EXPECT_EQ(raw.rfind("HTTP/1.1 400", 0), 0u) << framing << raw.substr(0, 300);
  }
  const std::string fine = send_raw(port, head + length + "\r\n" + body, 3000);
  EXPECT_EQ(fine.rfind("HTTP/1.1 200", 0), 0u) << fine.substr(0, 300);
}

// Issue section 4: texts over --max-tokens get 422 naming the limit.
TEST(ApiSecurity, TextOverMaxTokensIs422) {
  TestServerOptions options;
  options.dashboard.max_tokens = 8;
  TestServer server(options);
  for (const std::string& path : std::vector<std::string>{"/api/analyze", "/api/attention",
                                                          "/api/importance", "/api/tokenize"}) {
    const Reply r = server.post(
        path,
        R"({"model": "demo", "layer": 0, "text": "the cat sat on the mat . the cat sat on the mat"})");
    EXPECT_EQ(r.status, 422) << path << " " << r.body;
    EXPECT_EQ(kind_of(r), "limit");
    EXPECT_NE(r.body.find("limit of 8 tokens"), std::string::npos) << r.body;
  }
  EXPECT_EQ(server.post("/api/analyze", R"({"model": "demo", "text": "the cat"})").status, 200);
}

// HS-7: all analysis slots and the queue taken -> 503 with Retry-After.
TEST(ApiSecurity, BusyServerAnswers503WithRetryAfter) {
  TestServerOptions options;
  options.dashboard.limiter = {.running = 1, .waiting = 0};
  TestServer server(options);
  {
    auto held = server.dashboard().limiter().acquire();
    const Reply r = server.post("/api/analyze", kAnalyze);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(kind_of(r), "busy");
    EXPECT_EQ(r.header("retry-after"), "1");
    EXPECT_EQ(server.get("/api/health").status, 200);  // no analysis: always answered
  }
  EXPECT_EQ(server.post("/api/analyze", kAnalyze).status, 200);
}

TEST(ApiSecurity, QueuedRequestWaitsForItsTurn) {
  TestServerOptions options;
  options.dashboard.limiter = {.running = 1, .waiting = 1};
  TestServer server(options);
  Reply queued;
  {
    auto held = server.dashboard().limiter().acquire();
    std::thread waiter([&] { queued = server.post("/api/analyze", kAnalyze); });
    while (server.dashboard().limiter().waiting() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(server.post("/api/analyze", R"({"model": "demo", "text": "other"})").status, 503);
    held = {};
    waiter.join();
  }
  EXPECT_EQ(queued.status, 200);
}

// HS-6: slowloris connections are cut at the timeout, and the server answers meanwhile.
TEST(ApiSecurity, SlowClientsAreCutAtTheTimeout) {
  TestServerOptions options;
  options.timeout_s = 1;
  TestServer server(options);
  std::vector<int> slow;
  for (int k = 0; k < 40; ++k) {
    const int fd = connect_to(server.port());
    ASSERT_GE(fd, 0);
    ::send(fd, "GET /api/hea", 12, MSG_NOSIGNAL);
    slow.push_back(fd);
  }
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server.get("/api/health").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  int closed = 0;
  for (int fd : slow) {
    char buffer[512];
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) > 0 && ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT) <= 0) ++closed;
    ::close(fd);
  }
  EXPECT_EQ(closed, 40);
}

// HS-4 and issue section 4: no path a client sends is opened; traversal gives 404.
TEST(ApiSecurity, PathTraversalIs404) {
  const uint16_t port = shared_server().port();
  for (const std::string& path :
       std::vector<std::string>{"/../etc/passwd", "/%2e%2e/etc/passwd", "/%2E%2E/%2e%2e/etc/passwd",
                                "/js/..%2f..%2fetc%2fpasswd", "/..%5c..%5cetc%5cpasswd",
                                "/%2fetc/passwd", "/./index.html", "/api/../api/models",
                                "//etc/passwd", "/index.html/..", "/.%2e/etc/passwd"}) {
    const Reply r = http(port, {.path = path});
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
  EXPECT_EQ(http(port, {.path = "/%zz"}).status, 400);
}

TEST(ApiSecurity, ModelIsChosenByListedIdOnly) {
  TempDir dir("api-canary");
  for (const std::string& id : std::vector<std::string>{"../demo", "/etc", "%2e%2e", "demo/..",
                                                        "Demo", std::string("demo\0", 5),
                                                        "~/.cache", dir.path().string(), "gpt2"}) {
    const Reply r =
        shared_server().post("/api/analyze", nlohmann::json{{"model", id}, {"text", "a"}}.dump());
    EXPECT_EQ(r.status, 404) << id;
    EXPECT_EQ(kind_of(r), "not_found");
  }
}

TEST(ApiSecurity, NulBytesAre400) {
  const uint16_t port = shared_server().port();
  EXPECT_EQ(http(port, {.path = "/api/health%00"}).status, 400);
  EXPECT_EQ(http(port, {.path = "/index.html%00.js"}).status, 400);
  EXPECT_EQ(http(port, {.path = "/api/analyze?format=csv%00"}).status, 400);
  const std::string raw =
      send_raw(port, std::string("GET /api/he\0alth HTTP/1.1\r\nHost: 127.0.0.1:", 40) +
                         std::to_string(port) + "\r\n\r\n");
  EXPECT_EQ(raw.find("200 OK"), std::string::npos) << raw;
  EXPECT_EQ(shared_server().get("/api/health").status, 200);
}

TEST(ApiSecurity, OversizedUriAndHeadersAreRefused) {
  const uint16_t port = shared_server().port();
  const Reply uri = http(port, {.path = "/api/health?x=" + std::string(100000, 'a')});
  EXPECT_TRUE(uri.status == 414 || uri.status == 431 || uri.status == 0) << uri.status;
  const Reply header =
      http(port, {.path = "/api/health", .headers = {"X-Big: " + std::string(1 << 20, 'a')}});
  EXPECT_TRUE(header.status == 431 || header.status == 413 || header.status == 0) << header.status;
  EXPECT_EQ(shared_server().get("/api/health").status, 200);
}

// HS-8
TEST(ApiSecurity, SecurityHeadersOnEveryResponse) {
  const uint16_t port = shared_server().port();
  const std::vector<Reply> replies = {
      http(port, {.path = "/", .token = false}),
      http(port, {.path = "/api/health", .token = false}),
      http(port, {.path = "/api/models", .token = false}),  // 401
      http(port, {.path = "/nothing"}),                     // 404
      shared_server().post("/api/analyze", kAnalyze),
      http(port, {.path = "/api/models", .host = "evil.example"}),  // 403
  };
  for (const Reply& r : replies) {
    EXPECT_EQ(
        r.header("content-security-policy"),
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'")
        << r.status;
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r.header("x-frame-options"), "DENY");
    EXPECT_EQ(r.header("referrer-policy"), "no-referrer");
    EXPECT_NE(r.header("content-type").find("charset=utf-8"), std::string::npos) << r.status;
  }
  EXPECT_EQ(replies[4].header("cache-control"), "no-store");
}

// HS-9 (CVE-2026-21428): CR/LF from a request never reaches a response header.
TEST(ApiSecurity, CrLfIsNeverReflectedIntoHeaders) {
  const uint16_t port = shared_server().port();
  for (const std::string& path : std::vector<std::string>{
           "/%0d%0aX-Injected:%20yes", "/?token=%0d%0aX-Injected:%20yes",
           "/api/analyze?format=%0d%0aX-Injected:%20yes", "/a%0aX-Injected:%20yes"}) {
    const Reply r = http(port, {.path = path});
    EXPECT_EQ(r.header("x-injected"), "") << path;
    EXPECT_EQ(r.raw_headers.find("X-Injected"), std::string::npos) << path;
    EXPECT_GE(r.status, 400) << path;
  }
  const Reply redirect =
      http(port, {.path = std::string("/?token=") + kToken + "&x=%0d%0aX-Injected:%20yes"});
  EXPECT_EQ(redirect.raw_headers.find("X-Injected"), std::string::npos);
}

// HS-9 (CVE-2026-34441): a GET with a body is refused, so it cannot smuggle a second request.
TEST(ApiSecurity, GetWithABodyCannotSmuggleARequest) {
  const uint16_t port = shared_server().port();
  const std::string host = "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  const std::string inner =
      "GET /api/models HTTP/1.1\r\n" + host + "Authorization: Bearer " + kToken + "\r\n\r\n";
  const std::string raw =
      send_raw(port, "GET /api/health HTTP/1.1\r\n" + host +
                         "Content-Length: " + std::to_string(inner.size()) + "\r\n\r\n" + inner);
  EXPECT_EQ(raw.rfind("HTTP/1.1 400", 0), 0u) << raw.substr(0, 200);
  EXPECT_EQ(raw.find("\"models\""), std::string::npos) << raw;
}

TEST(ApiSecurity, RandomBytesNeverBringTheServerDown) {
  const uint16_t port = shared_server().port();
  uint64_t state = 0x9e3779b97f4a7c15ull;
  const auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::vector<std::string> seeds = {
      "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n",
      "POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
          "\r\nContent-Length: 10\r\nAuthorization: Bearer " + kToken + "\r\n\r\n{\"model\":1",
      "POST /api/upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n"};
  for (int k = 0; k < 150; ++k) {
    std::string bytes = seeds[k % seeds.size()];
    const int edits = 1 + static_cast<int>(next() % 8);
    for (int e = 0; e < edits; ++e) {
      const size_t at = next() % bytes.size();
      switch (next() % 3) {
        case 0:
          bytes[at] = static_cast<char>(next());
          break;
        case 1:
          bytes.insert(at, 1, static_cast<char>(next()));
          break;
        default:
          bytes.erase(at, 1 + next() % 4);
          break;
      }
      if (bytes.empty()) bytes = "x";
    }
    send_raw(port, bytes, 200);
  }
  EXPECT_EQ(shared_server().get("/api/health").status, 200);
  EXPECT_EQ(shared_server().post("/api/analyze", kAnalyze).status, 200);
}

}  // namespace
}  // namespace attnscope::testing
