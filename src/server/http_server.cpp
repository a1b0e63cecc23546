#include "server/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace attnscope::server {
namespace {

constexpr const char* kCookieName = "attnscope_token";
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A header value as sent: CR, LF and NUL (and other control bytes) never reach the wire.
std::string header_safe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    const auto b = static_cast<unsigned char>(c);
    out += (b < 0x20 && b != '\t') || b == 0x7f ? ' ' : c;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding (and '+' -> ' ' in a query). nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t k = 0; k < text.size(); ++k) {
    const char c = text[k];
    if (c == '%') {
      if (k + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[k + 1]);
      const int lo = hex_value(text[k + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      k += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7f;
  });
}

struct BoundSocket {
  int fd = -1;
  uint16_t port = 0;
  std::string url_host;
  bool loopback = false;
  bool wildcard = false;
};

BoundSocket bind_listen_socket(const std::string& host_option, uint16_t port) {
  std::string host = host_option;
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || found == nullptr) {
    throw InputError("--host '" + host_option +
                     "' is not an IP address (give e.g. 127.0.0.1, ::1, localhost or 0.0.0.0)");
  }
  BoundSocket out;
  const int family = found->ai_family;
  out.fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (out.fd < 0) {
    freeaddrinfo(found);
    throw IoError(host_option, std::string("cannot create a socket: ") + std::strerror(errno));
  }
  const int on = 1;
  ::setsockopt(out.fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (family == AF_INET6) ::setsockopt(out.fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  if (::bind(out.fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(out.fd, 128) != 0) {
    const int error = errno;
    freeaddrinfo(found);
    ::close(out.fd);
    const std::string where = (family == AF_INET6 ? "[" + host + "]" : host) + ":" + service;
    throw IoError(where,
                  std::string("cannot listen: ") + std::strerror(error) +
                      (error == EADDRINUSE ? " (give another --port, or 0 for a free one)" : ""));
  }
  freeaddrinfo(found);

  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(out.fd, reinterpret_cast<sockaddr*>(&bound), &length);
  char text[INET6_ADDRSTRLEN] = {};
  if (bound.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&bound);
    out.port = ntohs(a->sin6_port);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
    out.url_host = std::string("[") + text + "]";
    out.loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    out.wildcard = IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&bound);
    out.port = ntohs(a->sin_port);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
    out.url_host = text;
    out.loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    out.wildcard = a->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  return out;
}

bool is_api_path(std::string_view path) { return path.starts_with("/api/"); }

MHD_Result send_response(MHD_Connection* connection, const HttpResponse& response,
                         std::string_view path) {
  MHD_Response* r = MHD_create_response_from_buffer(
      response.body.size(), const_cast<char*>(response.body.data()), MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) return MHD_NO;
  const auto add = [&](std::string_view name, std::string_view value) {
    MHD_add_response_header(r, header_safe(name).c_str(), header_safe(value).c_str());
  };
  add("Content-Type", response.content_type);
  add("Content-Security-Policy", kContentSecurityPolicy);
  add("X-Content-Type-Options", "nosniff");
  add("X-Frame-Options", "DENY");
  add("Referrer-Policy", "no-referrer");
  if (is_api_path(path) || response.status >= 300) add("Cache-Control", "no-store");
  for (const auto& [name, value] : response.headers) add(name, value);
  const MHD_Result result =
      MHD_queue_response(connection, static_cast<unsigned>(response.status), r);
  MHD_destroy_response(r);
  return result;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(cls);
  headers->emplace_back(lower(key != nullptr ? key : ""), value != nullptr ? value : "");
  return MHD_YES;
}

std::string cookie_value(std::string_view cookies, std::string_view name) {
  size_t pos = 0;
  while (pos < cookies.size()) {
    size_t end = cookies.find(';', pos);
    if (end == std::string_view::npos) end = cookies.size();
    std::string_view item = cookies.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.size() > name.size() && item.substr(0, name.size()) == name &&
        item[name.size()] == '=') {
      return std::string(item.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return {};
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

std::string HttpRequest::param(const std::string& name) const {
  const auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::error(int status, std::string_view kind, std::string_view message) {
  std::string line(message);
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  const nlohmann::json body = {{"error", line}, {"kind", kind}};
  return json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

TargetCheck check_target(std::string_view target) {
  TargetCheck out;
  const auto fail = [&](int status, std::string message) {
    out.status = status;
    out.message = std::move(message);
    return out;
  };
  const size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  const std::string_view raw_query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (raw_path.empty() || raw_path.front() != '/') return fail(404, "no such path");
  if (has_control(target)) return fail(400, "the request target holds control characters");

  // Segment by segment on the raw path, so an encoded '/' can never make a new segment.
  std::string path;
  size_t pos = 1;
  while (true) {
    const size_t slash = raw_path.find('/', pos);
    const std::string_view raw_segment = raw_path.substr(
        pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    const auto segment = percent_decode(raw_segment, false);
    if (!segment) return fail(400, "malformed percent-escape in the path");
    if (segment->find('\0') != std::string::npos || has_control(*segment)) {
      return fail(400, "the path holds control characters");
    }
    if (*segment == "." || *segment == ".." || segment->find('/') != std::string::npos ||
        segment->find('\\') != std::string::npos) {
      return fail(404, "no such path");
    }
    const bool last = slash == std::string_view::npos;
    if (segment->empty() && !last) return fail(404, "no such path");  // "//"
    path += "/" + *segment;
    if (last) break;
    pos = slash + 1;
  }
  out.path = path;

  size_t start = 0;
  while (start < raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    const std::string_view item = raw_query.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const size_t equals = item.find('=');
    const auto key = percent_decode(item.substr(0, equals), true);
    const auto value = percent_decode(
        equals == std::string_view::npos ? std::string_view() : item.substr(equals + 1), true);
    if (!key || !value) return fail(400, "malformed percent-escape in the query");
    if (has_control(*key) || has_control(*value)) {
      return fail(400, "the query holds control characters");
    }
    out.query.emplace(*key, *value);
  }
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t k = 0; k < n; ++k) {
    const auto x = static_cast<unsigned char>(k < a.size() ? a[k] : 0);
    const auto y = static_cast<unsigned char>(k < b.size() ? b[k] : 0);
    diff |= static_cast<unsigned char>(x ^ y);
  }
  // volatile: keep the compiler from turning the loop into an early exit.
  volatile unsigned char result = diff;
  return result == 0;
}

// One request's state, from the request line to the end of the response.
struct HttpServer::Exchange {
  HttpServer* server = nullptr;
  std::string target;  // the raw request target, before any decoding
  bool started = false;
  bool refused = false;  // a response went out before the body was read
  HttpRequest request;
  size_t cap = 0;
  bool too_large = false;
  uint64_t discarded = 0;
};

namespace {

void* on_uri(void* cls, const char* uri, MHD_Connection*) {
  auto* exchange = new HttpServer::Exchange;
  exchange->server = static_cast<HttpServer*>(cls);
  exchange->target = uri != nullptr ? uri : "";
  return exchange;
}

void on_completed(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
  delete static_cast<HttpServer::Exchange*>(*state);
  *state = nullptr;
}

void on_log(void*, const char*, va_list) {}  // libmicrohttpd's own messages: not ours to print

MHD_Result on_request(void* cls, MHD_Connection* connection, const char* /*url*/,
                      const char* method, const char* /*version*/, const char* upload_data,
                      size_t* upload_data_size, void** state) {
  auto* server = static_cast<HttpServer*>(cls);
  auto* exchange = static_cast<HttpServer::Exchange*>(*state);
  if (exchange == nullptr) return MHD_NO;
  try {
    if (!exchange->started) {
      exchange->started = true;
      HttpRequest& request = exchange->request;
      request.method = method != nullptr ? method : "";
      MHD_get_connection_values(connection, MHD_HEADER_KIND, &collect_header, &request.headers);
      std::optional<uint64_t> length;
      const std::string length_text = request.header("content-length");
      if (!length_text.empty()) {
        uint64_t value = 0;
        const auto [end, ec] =
            std::from_chars(length_text.data(), length_text.data() + length_text.size(), value);
        length = ec == std::errc() && end == length_text.data() + length_text.size() ? value
                                                                                     : UINT64_MAX;
      }
      const bool chunked =
          lower(request.header("transfer-encoding")).find("chunked") != std::string::npos;
      if (auto early = server->precheck(request, exchange->target, length, chunked)) {
        exchange->refused = true;
        return send_response(connection, *early, request.path);
      }
      exchange->cap = server->cap_for(request);
      return MHD_YES;
    }
    if (exchange->refused) {
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (*upload_data_size > 0) {
      const size_t n = *upload_data_size;
      *upload_data_size = 0;
      HttpRequest& request = exchange->request;
      if (!exchange->too_large && request.body.size() + n > exchange->cap) {
        exchange->too_large = true;
        std::string().swap(request.body);
      }
      if (exchange->too_large) {
        // Read on (bounded) so the 413 can be sent; past twice the cap, just close.
        exchange->discarded += n;
        return exchange->discarded > exchange->cap + (1u << 20) ? MHD_NO : MHD_YES;
      }
      request.body.append(upload_data, n);
      return MHD_YES;
    }
    if (exchange->too_large) {
      return send_response(connection,
                           HttpResponse::error(413, "limit",
                                               "the request body is over the limit of " +
                                                   std::to_string(exchange->cap) + " bytes"),
                           exchange->request.path);
    }
    return send_response(connection, server->dispatch(exchange->request), exchange->request.path);
  } catch (...) {
    return MHD_NO;  // out of memory while building a response: drop the connection
  }
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
  if (options_.token.size() < 16 ||
      !std::all_of(options_.token.begin(), options_.token.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '~' ||
               c == '-';
      })) {
    throw InputError("the token must be at least 16 characters of A-Z a-z 0-9 . _ ~ - (got " +
                     std::to_string(options_.token.size()) + " characters)");
  }
  if (!options_.needs_token) {
    options_.needs_token = [](std::string_view path) {
      return is_api_path(path) && path != "/api/health";
    };
  }
  if (!options_.body_cap) {
    options_.body_cap = [](std::string_view, std::string_view) -> size_t { return 2u << 20; };
  }

  BoundSocket socket = bind_listen_socket(options_.host, options_.port);
  port_ = socket.port;
  url_host_ = socket.url_host;
  loopback_ = socket.loopback;
  wildcard_ = socket.wildcard;
  const std::string port = ":" + std::to_string(port_);
  allowed_hosts_ = {"127.0.0.1" + port, "localhost" + port, "[::1]" + port, url_host_ + port};

  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                   MHD_USE_ERROR_LOG;
  if (socket.url_host.front() == '[') flags |= MHD_USE_IPv6;
  daemon_ = MHD_start_daemon(
      flags, port_, nullptr, nullptr, &on_request, this, MHD_OPTION_LISTEN_SOCKET, socket.fd,
      MHD_OPTION_CONNECTION_TIMEOUT, options_.connection_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
      options_.connection_limit, MHD_OPTION_CONNECTION_MEMORY_LIMIT, options_.connection_memory,
      MHD_OPTION_URI_LOG_CALLBACK, &on_uri, this, MHD_OPTION_NOTIFY_COMPLETED, &on_completed, this,
      MHD_OPTION_EXTERNAL_LOGGER, &on_log, this, MHD_OPTION_END);
  if (daemon_ == nullptr) {
    ::close(socket.fd);
    throw IoError(url_host_ + port, "libmicrohttpd could not start on this socket");
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() {
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
}

bool HttpServer::host_allowed(std::string_view host) const {
  if (wildcard_) return true;  // bound to every address (--host 0.0.0.0): the token guards
  const std::string h = lower(host);
  return std::find(allowed_hosts_.begin(), allowed_hosts_.end(), h) != allowed_hosts_.end();
}

bool HttpServer::origin_allowed(std::string_view origin) const {
  const std::string o = lower(origin);
  if (!o.starts_with("http://")) return false;
  return host_allowed(std::string_view(o).substr(7));
}

size_t HttpServer::cap_for(const HttpRequest& request) const {
  return options_.body_cap(request.method, request.path);
}

std::optional<HttpResponse> HttpServer::precheck(HttpRequest& request, const std::string& target,
                                                 std::optional<uint64_t> content_length,
                                                 bool chunked) const {
  // Host first: a rebinding page learns nothing, not even whether a path exists.
  if (!host_allowed(request.header("host"))) {
    return HttpResponse::error(403, "auth",
                               "the Host header must name this server (localhost or 127.0.0.1 "
                               "with its port)");
  }
  const std::string& method = request.method;
  if (method != "GET" && method != "HEAD" && method != "POST") {
    HttpResponse r = HttpResponse::error(405, "input", "method not allowed: use GET or POST");
    r.headers.emplace_back("Allow", "GET, HEAD, POST");
    return r;
  }
  TargetCheck checked = check_target(target);
  if (checked.status != 0) {
    return HttpResponse::error(checked.status, checked.status == 404 ? "not_found" : "input",
                               checked.message);
  }
  request.path = std::move(checked.path);
  request.query = std::move(checked.query);

  if (method == "POST") {
    const std::string origin = request.header("origin");
    const bool has_origin = std::any_of(request.headers.begin(), request.headers.end(),
                                        [](const auto& h) { return h.first == "origin"; });
    if ((has_origin && !origin_allowed(origin)) ||
        lower(request.header("sec-fetch-site")) == "cross-site") {
      return HttpResponse::error(403, "auth", "cross-site requests are refused (Origin)");
    }
  }
  if (options_.needs_token(request.path)) {
    std::string given;
    const std::string authorization = request.header("authorization");
    if (lower(authorization.substr(0, 7)) == "bearer ") {
      given = authorization.substr(7);
    } else {
      given = cookie_value(request.header("cookie"), kCookieName);
    }
    if (given.empty()) {
      return HttpResponse::error(401, "auth",
                                 "this request needs the token: open the URL attnscope serve "
                                 "printed, or send 'Authorization: Bearer TOKEN'");
    }
    if (!equal_constant_time(given, options_.token)) {
      return HttpResponse::error(401, "auth", "wrong token");
    }
  }
  // Two framings of one body is how requests are smuggled past a proxy (RFC 9112 §6.3): refused.
  const auto count = [&](std::string_view name) {
    return std::count_if(request.headers.begin(), request.headers.end(),
                         [&](const auto& h) { return h.first == name; });
  };
  if (count("content-length") > 1) {
    return HttpResponse::error(400, "input", "the request has more than one Content-Length");
  }
  if (chunked && content_length) {
    return HttpResponse::error(400, "input",
                               "the request has both Content-Length and Transfer-Encoding");
  }
  if (method != "POST" && (chunked || (content_length && *content_length > 0))) {
    return HttpResponse::error(400, "input", "a " + method + " request has no body");
  }
  const size_t cap = cap_for(request);
  if (content_length && *content_length > cap) {
    return HttpResponse::error(
        413, "limit", "the request body is over the limit of " + std::to_string(cap) + " bytes");
  }
  return std::nullopt;
}

HttpResponse HttpServer::dispatch(const HttpRequest& request) const {
  // The Jupyter-style handshake: ?token= on a page URL becomes a cookie, and leaves the URL.
  if (request.method == "GET" && !is_api_path(request.path) && request.query.contains("token")) {
    if (!equal_constant_time(request.param("token"), options_.token)) {
      return HttpResponse::error(401, "auth", "wrong token in the URL");
    }
    HttpResponse r;
    r.status = 303;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Location", request.path);
    r.headers.emplace_back("Set-Cookie", std::string(kCookieName) + "=" + options_.token +
                                             "; HttpOnly; SameSite=Strict; Path=/");
    return r;
  }
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    return HttpResponse::error(500, "internal", std::string("internal error: ") + e.what());
  } catch (...) {
    return HttpResponse::error(500, "internal", "internal error");
  }
}

}  // namespace attnscope::server
