#include "server_test_support.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>

#include "server/snapshot.h"

namespace attnscope::testing {
namespace {

size_t on_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct ChunkSource {
  const std::string* body;
  size_t pos = 0;
};

size_t read_chunk(char* buffer, size_t size, size_t count, void* in) {
  auto* source = static_cast<ChunkSource*>(in);
  const size_t n = std::min(size * count, source->body->size() - source->pos);
  std::copy_n(source->body->data() + source->pos, n, buffer);
  source->pos += n;
  return n;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

Reply http(uint16_t port, const Request& request) {
  static CurlGlobal global;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + request.path;
  Reply reply;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.raw_headers);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(
      headers,
      ("Host: " + (request.host.empty() ? "127.0.0.1:" + std::to_string(port) : request.host))
          .c_str());
  if (request.token) {
    std::string authorization = "Authorization: Bearer ";  // (GCC 12 -O1 misreads the + form)
    authorization += kToken;
    headers = curl_slist_append(headers, authorization.c_str());
  }
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  ChunkSource source{&request.body};
  if (request.method == "POST") {
    headers = curl_slist_append(headers, "Expect:");
    // JSON unless the test names a type (curl's own default is a form).
    const bool typed = std::any_of(request.headers.begin(), request.headers.end(), [](auto& h) {
      return h.size() >= 13 && strncasecmp(h.c_str(), "content-type:", 13) == 0;
    });
    if (!typed) headers = curl_slist_append(headers, "Content-Type: application/json");
    if (request.chunked) {
      headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_chunk);
      curl_easy_setopt(curl, CURLOPT_READDATA, &source);
    } else {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  // The last response's headers (a 100 Continue may precede it).
  size_t start = reply.raw_headers.rfind("HTTP/");
  if (start == std::string::npos) start = 0;
  size_t pos = reply.raw_headers.find("\r\n", start);
  while (pos != std::string::npos) {
    const size_t end = reply.raw_headers.find("\r\n", pos + 2);
    if (end == std::string::npos) break;
    const std::string line = reply.raw_headers.substr(pos + 2, end - pos - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      reply.headers[name] = value;
    }
    pos = end;
  }
  return reply;
}

int connect_to(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string send_raw(uint16_t port, const std::string& bytes, int timeout_ms) {
  const int fd = connect_to(port);
  if (fd < 0) return "<connect failed>";
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 1))) <= 0) break;
    char buffer[65536];
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

TestServer::TestServer(TestServerOptions options) {
  if (options.dashboard.models.empty() && options.dashboard.models_dir.empty()) {
    options.dashboard.models = {"demo"};
  }
  dashboard_ = std::make_unique<server::Dashboard>(options.dashboard);
  api_ = std::make_unique<server::Api>(*dashboard_, server::build_report);
  server::HttpServerOptions http_options;
  http_options.host = options.host;
  http_options.port = 0;
  http_options.token = kToken;
  http_options.body_cap = server::Api::body_cap;
  http_options.connection_timeout_s = options.timeout_s;
  http_ = std::make_unique<server::HttpServer>(
      http_options, [this](const server::HttpRequest& r) { return api_->handle(r); });
}

uint64_t rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

}  // namespace attnscope::testing
