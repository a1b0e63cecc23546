// A fake Hugging Face Hub on loopback (libmicrohttpd) for the download tests: it serves the
// Hub's URL scheme and headers for the files of one model folder as repository "tiny/gpt2":
//   GET  /api/models/tiny/gpt2/revision/REV  {"sha": ..., "siblings": [...]} (main, v2, hashes)
//   HEAD /tiny/gpt2/resolve/COMMIT/FILE      ETag / X-Repo-Commit; *.safetensors: 302 to the
//                                            "CDN" (http://localhost:PORT/cdn/...) with
//                                            X-Linked-Etag (sha256) and X-Linked-Size
//   GET  .../resolve/... and /cdn/...        the bytes, Range honoured (206)
// and logs every request (method, path, Range, whether Authorization was sent).
#pragma once

#include <microhttpd.h>
#include <netinet/in.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/hub_download.h"

namespace attnscope::testing {

namespace fs = std::filesystem;

inline constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";
inline constexpr const char* kOtherCommit = "fedcba9876543210fedcba9876543210fedcba98";
inline constexpr const char* kId = "tiny/gpt2";

struct Logged {
  std::string method;
  std::string path;
  std::string range;
  bool auth = false;
};

class FakeHub {
 public:
  explicit FakeHub(fs::path model_dir) : model_dir_(std::move(model_dir)) {
    for (const auto& item : fs::directory_iterator(model_dir_)) {
      if (item.is_regular_file()) files_[item.path().filename().string()] = read(item.path());
    }
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                               nullptr, nullptr, &FakeHub::on_request, this, MHD_OPTION_SOCK_ADDR,
                               loopback(), MHD_OPTION_END);
    if (daemon_ == nullptr) throw std::runtime_error("fake hub: MHD_start_daemon failed");
    port_ = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
  }
  ~FakeHub() { MHD_stop_daemon(daemon_); }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Logged> log() {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }
  void clear_log() {
    std::lock_guard<std::mutex> lock(mutex_);
    log_.clear();
  }
  size_t count(const std::string& method, const std::string& needle) {
    size_t n = 0;
    for (const auto& entry : log()) {
      n += entry.method == method && entry.path.find(needle) != std::string::npos ? 1 : 0;
    }
    return n;
  }

  // Knobs.
  std::string required_token;        // non-empty: 401 without "Bearer <token>"
  std::atomic<long> drop_after{-1};  // the next content GET closes after this many bytes
  std::string lie_sha_for;           // announce a wrong sha256 for this file
  std::map<std::string, std::string> files_;

 private:
  static sockaddr* loopback() {
    static sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return reinterpret_cast<sockaddr*>(&addr);
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
  }
  struct Dropper {
    std::string data;
    size_t limit;
  };
  static ssize_t drop_reader(void* cls, uint64_t pos, char* buf, size_t max) {
    auto* d = static_cast<Dropper*>(cls);
    if (pos >= d->limit) return MHD_CONTENT_READER_END_WITH_ERROR;
    const size_t n = std::min<size_t>(max, d->limit - static_cast<size_t>(pos));
    std::memcpy(buf, d->data.data() + pos, n);
    return static_cast<ssize_t>(n);
  }
  static void drop_free(void* cls) { delete static_cast<Dropper*>(cls); }

  static MHD_Result send(MHD_Connection* c, unsigned status, const std::string& body,
                         const std::map<std::string, std::string>& headers = {}) {
    MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                      MHD_RESPMEM_MUST_COPY);
    for (const auto& [k, v] : headers) MHD_add_response_header(r, k.c_str(), v.c_str());
    const MHD_Result result = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return result;
  }

  // The bytes of `content`, honouring Range; maybe dropped mid-way.
  MHD_Result send_content(MHD_Connection* c, const std::string& content, const std::string& range,
                          std::map<std::string, std::string> headers, bool head,
                          bool may_drop = false) {
    size_t start = 0;
    unsigned status = MHD_HTTP_OK;
    if (range.rfind("bytes=", 0) == 0) {
      start = std::stoul(range.substr(6));
      if (start >= content.size()) return send(c, 416, "");
      status = MHD_HTTP_PARTIAL_CONTENT;
      headers["Content-Range"] = "bytes " + std::to_string(start) + "-" +
                                 std::to_string(content.size() - 1) + "/" +
                                 std::to_string(content.size());
    }
    const std::string body = content.substr(start);
    const long drop = head || !may_drop ? -1 : drop_after.exchange(-1);
    if (drop < 0) return send(c, status, body, headers);
    auto* d = new Dropper{body, static_cast<size_t>(drop)};
    MHD_Response* r =
        MHD_create_response_from_callback(body.size(), 4096, &FakeHub::drop_reader, d, drop_free);
    for (const auto& [k, v] : headers) MHD_add_response_header(r, k.c_str(), v.c_str());
    const MHD_Result result = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return result;
  }

  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method,
                               const char*, const char*, size_t*, void** state) {
    if (*state == nullptr) {  // first call: headers only
      static int marker;
      *state = &marker;
      return MHD_YES;
    }
    return static_cast<FakeHub*>(cls)->handle(c, url, method);
  }

  MHD_Result handle(MHD_Connection* c, const std::string& url, const std::string& method) {
    const char* range_h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    const char* auth_h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const std::string range = range_h != nullptr ? range_h : "";
    const std::string auth = auth_h != nullptr ? auth_h : "";
    {
      std::lock_guard<std::mutex> lock(mutex_);
      log_.push_back({method, url, range, !auth.empty()});
    }
    const bool head = method == "HEAD";
    if (url.rfind("/cdn/", 0) == 0) {
      const std::string name = url.substr(5);
      if (files_.count(name) == 0) return send(c, 404, "no such blob");
      return send_content(c, files_[name], range, {}, head, /*may_drop=*/true);
    }
    if (!required_token.empty() && auth != "Bearer " + required_token) {
      return send(c, 401, R"({"error":"Access to model tiny/gpt2 is restricted."})",
                  {{"X-Error-Code", "GatedRepo"}});
    }
    const std::string api = std::string("/api/models/") + kId + "/revision/";
    if (url.rfind(api, 0) == 0) {
      const std::string revision = url.substr(api.size());
      if (revision != "main" && revision != kCommit && revision != "v2" &&
          revision != kOtherCommit) {
        return send(c, 404, R"({"error":"Invalid rev id"})");
      }
      const bool other = revision == "v2" || revision == kOtherCommit;
      std::string siblings;
      for (const auto& [name, content] : files_) {
        siblings += std::string(siblings.empty() ? "" : ",") + R"({"rfilename":")" + name + "\"}";
      }
      siblings += R"(,{"rfilename":"pytorch_model.bin"})";  // never fetched
      return send(c, 200,
                  std::string(R"({"id":"tiny/gpt2","sha":")") + (other ? kOtherCommit : kCommit) +
                      R"(","siblings":[)" + siblings + "]}",
                  {{"Content-Type", "application/json"}});
    }
    const std::string resolve = std::string("/") + kId + "/resolve/";
    if (url.rfind(resolve, 0) != 0) return send(c, 404, "Repository not found");
    const std::string rest = url.substr(resolve.size());
    const std::string commit = rest.substr(0, rest.find('/'));
    const std::string name = rest.substr(rest.find('/') + 1);
    if ((commit != kCommit && commit != kOtherCommit) || files_.count(name) == 0) {
      return send(c, 404, "Entry not found", {{"X-Error-Code", "EntryNotFound"}});
    }
    const std::string& content = files_[name];
    std::map<std::string, std::string> headers = {{"X-Repo-Commit", commit}};
    if (name.size() > 12 && name.substr(name.size() - 12) == ".safetensors") {
      std::string sha = sha256_file(model_dir_ / name);
      if (name == lie_sha_for) sha = std::string(64, 'e');
      headers["X-Linked-Etag"] = "\"" + sha + "\"";
      headers["X-Linked-Size"] = std::to_string(content.size());
      headers["ETag"] = "\"" + std::string(40, 'a') + "\"";
      headers["Location"] = "http://localhost:" + std::to_string(port_) + "/cdn/" + name;
      return send(c, 302, "", headers);
    }
    // A git blob: the ETag is a git hash (here: derived from the name and the commit).
    std::string etag = std::to_string(std::hash<std::string>{}(commit + name + content));
    headers["ETag"] = "\"" + etag + "\"";
    return send_content(c, content, range, headers, head);
  }

  fs::path model_dir_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::vector<Logged> log_;
};

}  // namespace attnscope::testing
