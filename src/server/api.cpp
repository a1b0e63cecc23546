#include "server/api.h"

#include <algorithm>
#include <cctype>
#include <new>
#include <string_view>

#include "core/error.h"
#include "io/json_file.h"
#include "server/limits.h"
#include "web_assets.h"

namespace attnscope::server {
namespace {

HttpResponse text(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

// The CLI ends what it prints with a newline; so do the answers that equal it.
HttpResponse json_answer(std::string body) { return HttpResponse::json(200, body + "\n"); }

// "application/json", any case, parameters (charset=utf-8) allowed.
bool is_json_media_type(std::string_view value) {
  const std::string_view type = value.substr(0, value.find(';'));
  const size_t first = type.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  const size_t last = type.find_last_not_of(" \t");
  const std::string_view trimmed = type.substr(first, last - first + 1);
  constexpr std::string_view kJson = "application/json";
  return trimmed.size() == kJson.size() &&
         std::equal(trimmed.begin(), trimmed.end(), kJson.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

nlohmann::json parse_body(const HttpRequest& request) {
  if (request.body.empty()) throw InputError("the request needs a JSON object as its body");
  // The same JSON rules as every file (depth limit, no NUL, the parser's text in plain words).
  // A malformed body is the request's fault: kind "input", as before.
  nlohmann::json body;
  try {
    body = parse_json_text(request.body, "the request body");
  } catch (const FormatError& e) {
    throw InputError(e.what());
  }
  if (!body.is_object()) throw InputError("the request body must be a JSON object");
  return body;
}

std::string format_of(const HttpRequest& request, std::initializer_list<std::string_view> allowed) {
  const std::string format = request.param("format");
  if (format.empty() || format == "json") return "json";
  for (auto a : allowed) {
    if (format == a) return format;
  }
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw InputError("unknown format '" + format.substr(0, 40) + "' for " + request.path +
                   " (known: json, " + list + ")");
}

}  // namespace

HttpResponse error_response(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const BusyError& e) {
    HttpResponse r = HttpResponse::error(503, "busy", e.what());
    r.headers.emplace_back("Retry-After", "1");
    return r;
  } catch (const NotFoundError& e) {
    return HttpResponse::error(404, "not_found", e.what());
  } catch (const LimitError& e) {
    return HttpResponse::error(422, "limit", e.what());
  } catch (const InputError& e) {
    return HttpResponse::error(400, "input", e.what());
  } catch (const FormatError& e) {
    return HttpResponse::error(400, "format", e.what());
  } catch (const UnsupportedError& e) {
    return HttpResponse::error(400, "unsupported", e.what());
  } catch (const IoError& e) {
    return HttpResponse::error(500, "io", e.what());
  } catch (const Error& e) {
    return HttpResponse::error(500, "internal", e.what());
  } catch (const std::bad_alloc&) {
    return HttpResponse::error(503, "busy", "out of memory for this request");
  } catch (const std::exception& e) {
    return HttpResponse::error(500, "internal", std::string("internal error: ") + e.what());
  } catch (...) {
    return HttpResponse::error(500, "internal", "internal error");
  }
}

Api::Api(Dashboard& dashboard, ReportBuilder report)
    : dashboard_(dashboard), report_(std::move(report)) {}

size_t Api::body_cap(std::string_view method, std::string_view path) {
  if (method != "POST") return 0;
  return path == "/api/upload" ? kUploadBodyCap : kBodyCap;
}

HttpResponse Api::handle(const HttpRequest& request) const {
  if (request.path.starts_with("/api/")) {
    try {
      return api(request);
    } catch (...) {
      return error_response(std::current_exception());
    }
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return HttpResponse::error(405, "input", "the page's files are read with GET");
  }
  const web::Asset* asset = web::find_asset(request.path == "/" ? "/index.html" : request.path);
  if (asset == nullptr) return HttpResponse::error(404, "not_found", "no such file");
  return text(200, std::string(asset->content_type), std::string(asset->body));
}

HttpResponse Api::api(const HttpRequest& request) const {
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  const auto wrong_method = [&](const char* method) {
    HttpResponse r = HttpResponse::error(405, "input", path + " takes " + method);
    r.headers.emplace_back("Allow", method);
    return r;
  };
  if (path == "/api/health") {
    return get ? HttpResponse::json(200, "{\"status\": \"ok\"}\n") : wrong_method("GET");
  }
  if (path == "/api/models") return get ? json_answer(dashboard_.models()) : wrong_method("GET");

  static const char* const kPosts[] = {"/api/tokenize",   "/api/analyze", "/api/attention",
                                       "/api/importance", "/api/upload",  "/api/report"};
  if (std::find(std::begin(kPosts), std::end(kPosts), path) == std::end(kPosts)) {
    return HttpResponse::error(404, "not_found", "no such API endpoint");
  }
  if (get) return wrong_method("POST");
  // JSON only: a form or text/plain POST is what a cross-site page can send without a CORS
  // preflight, so refusing them closes that door whatever the browser's Origin rules.
  if (!is_json_media_type(request.header("content-type"))) {
    return HttpResponse::error(415, "input",
                               path + " takes a JSON body: send Content-Type: application/json");
  }
  const nlohmann::json body = parse_body(request);

  if (path == "/api/tokenize") return json_answer(dashboard_.tokenize(body));
  if (path == "/api/analyze") {
    if (format_of(request, {"csv"}) == "csv") {
      return text(200, "text/csv; charset=utf-8", dashboard_.analyze_csv(body));
    }
    return json_answer(dashboard_.analyze(body));
  }
  if (path == "/api/attention") {
    const std::string format = format_of(request, {"f16", "f32"});
    if (format == "json") return json_answer(dashboard_.attention(body));
    return text(200, "application/octet-stream",
                dashboard_.attention_binary(body, format == "f16"));
  }
  if (path == "/api/importance") {
    if (format_of(request, {"csv"}) == "csv") {
      return text(200, "text/csv; charset=utf-8", dashboard_.importance_csv(body));
    }
    return json_answer(dashboard_.importance(body));
  }
  if (path == "/api/upload") return json_answer(dashboard_.upload(body));
  // /api/report
  if (!report_) throw UnsupportedError("this server builds no HTML reports");
  HttpResponse r = text(200, "text/html; charset=utf-8", report_(dashboard_, body));
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"attnscope-report.html\"");
  return r;
}

}  // namespace attnscope::server
