// Hugging Face Hub downloads with libcurl into the huggingface_hub cache layout (hub_download.h).
#include "io/hub_download.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/error.h"
#include "core/mapped_file.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;

constexpr long kMaxRedirects = 5;
constexpr int kMaxAttempts = 4;                    // one download + three resumes
constexpr size_t kMaxApiBytes = 64 * 1024 * 1024;  // the file list of a huge repo is ~1 MB

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

std::string trim(std::string text) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// HF_TOKEN, else the file huggingface-cli login writes ($HF_TOKEN_PATH or $HF_HOME/token).
std::string hub_token() {
  if (std::string token = trim(env("HF_TOKEN")); !token.empty()) return token;
  fs::path file;
  if (const std::string path = env("HF_TOKEN_PATH"); !path.empty()) {
    file = path;
  } else if (const std::string home = env("HF_HOME"); !home.empty()) {
    file = fs::path(home) / "token";
  } else if (const std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty()) {
    file = fs::path(xdg) / "huggingface" / "token";
  } else if (const std::string user = env("HOME"); !user.empty()) {
    file = fs::path(user) / ".cache" / "huggingface" / "token";
  }
  std::error_code ec;
  if (file.empty() || !fs::is_regular_file(file, ec)) return {};
  try {
    return trim(read_file(file.string(), 4096));
  } catch (const Error&) {
    return {};
  }
}

// A repo file name from the API: relative, no "..", no empty or hidden-escape components.
bool is_safe_repo_path(const std::string& name) {
  if (name.empty() || name.size() > 512 || name.front() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    const size_t end = std::min(name.find('/', start), name.size());
    const std::string part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

bool is_hex64(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Percent-encodes each path component (keeps '/').
std::string url_path(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string host_of(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  const size_t start = scheme + 3;
  const size_t end = url.find_first_of("/?#", start);
  return lower(url.substr(start, end == std::string::npos ? std::string::npos : end - start));
}

std::string origin_of(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t end = url.find('/', scheme + 3);
  return end == std::string::npos ? url : url.substr(0, end);
}

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; the last value wins
  std::string body;                            // when no sink file was given
};

struct Transfer {
  Response* response = nullptr;
  FILE* sink = nullptr;  // write the body here (only for 200/206), else into response->body
  size_t max_body = kMaxApiBytes;
  bool overflow = false;
  // progress
  bool show_progress = false;
  std::string label;
  curl_off_t already = 0;  // bytes on disk before this transfer (resume)
  bool finished = false;   // the bar's last line was ended
  // Follow redirects inside libcurl: only for requests that carry no token (CDN content).
  bool follow = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    transfer->response->headers.clear();  // a new response (after 100-continue or redirect)
  } else if (const size_t colon = line.find(':'); colon != std::string::npos) {
    transfer->response->headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (transfer->sink != nullptr) {
    return std::fwrite(data, 1, bytes, transfer->sink);
  }
  if (transfer->response->body.size() + bytes > transfer->max_body) {
    transfer->overflow = true;
    return 0;
  }
  transfer->response->body.append(data, bytes);
  return bytes;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (!transfer->show_progress || total <= 0 || transfer->finished) return 0;
  const double done = static_cast<double>(transfer->already + now);
  const double all = static_cast<double>(transfer->already + total);
  const int width = 30;
  const int filled = static_cast<int>(width * done / all);
  std::fprintf(stderr, "\r%-32.32s [%s%s] %5.1f%% %.1f/%.1f MB", transfer->label.c_str(),
               std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(width - filled), ' ').c_str(), 100.0 * done / all,
               done / 1e6, all / 1e6);
  if (now == total) {
    std::fputc('\n', stderr);
    transfer->finished = true;
  }
  return 0;
}

// One HTTP request, redirects NOT followed (the caller decides). `nobody` = HEAD.
Response perform(const std::string& url, bool nobody, const std::string& token,
                 const std::vector<std::string>& extra_headers, Transfer* transfer_in = nullptr) {
  curl_init_once();
  Response response;
  Transfer local;
  Transfer& transfer = transfer_in != nullptr ? *transfer_in : local;
  transfer.response = &response;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw IoError(url, "libcurl could not start a transfer");
  curl_slist* list = nullptr;
  if (!token.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + token).c_str());
  for (const auto& header : extra_headers) list = curl_slist_append(list, header.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(list, curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOBODY, nobody ? 1L : 0L);
  const bool follow = transfer.follow && token.empty();
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "attnscope (libcurl)");
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);  // stalled for 60 s: give up (then resume)
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (transfer.show_progress) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
  }
  const CURLcode code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  if (transfer.overflow)
    throw LimitError(url + ": answer larger than " + std::to_string(transfer.max_body) + " bytes");
  if (code != CURLE_OK) {
    throw IoError(url, std::string("download failed: ") +
                           (error[0] != '\0' ? error : curl_easy_strerror(code)) +
                           " (set HF_HUB_OFFLINE=1 to use only the local cache)");
  }
  return response;
}

// What to tell the user for an HTTP error status on `what` of `id`.
[[noreturn]] void throw_status(const Response& response, const std::string& url,
                               const std::string& id, const std::string& revision,
                               bool have_token) {
  const std::string status = "HTTP " + std::to_string(response.status);
  if (response.status == 401 || response.status == 403) {
    throw IoError(url, status + ": the Hub refused access to '" + id +
                           "'; it is gated or private. " +
                           (have_token ? "The token in HF_TOKEN (or the token file) was not "
                                         "accepted for it: "
                                       : "No token was sent: ") +
                           "accept the model's license on " + hub_endpoint() + "/" + id +
                           " with your account, then set HF_TOKEN to a token of that account "
                           "(or run `huggingface-cli login`)");
  }
  if (response.status == 404) {
    throw IoError(url, status + ": '" + id + "' at revision '" + revision + "' does not exist on " +
                           hub_endpoint() +
                           " (check the id and the revision; a private repository also answers "
                           "404 without a token: set HF_TOKEN)");
  }
  throw IoError(url, status + " from the Hub for '" + id + "'");
}

// The ETag without quotes or the weak prefix.
std::string clean_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
  return trim(etag);
}

// A file lock (flock) held for the object's life; the lock file stays, as with huggingface_hub.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) {
    fs::create_directories(path.parent_path());
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError(path.string(), "cannot create the lock file");
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        throw IoError(path.string(), "cannot lock");
      }
    }
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Points snapshot/<name> at blobs/<blob> with a relative link, replaced atomically.
void link_into_snapshot(const fs::path& repo_dir, const fs::path& snapshot, const std::string& name,
                        const std::string& blob) {
  const fs::path link = snapshot / name;
  fs::create_directories(link.parent_path());
  fs::path target = "..";
  for (size_t i = 0; i < static_cast<size_t>(std::count(name.begin(), name.end(), '/')); ++i) {
    target /= "..";
  }
  target = target / ".." / "blobs" / blob;
  (void)repo_dir;
  static std::atomic<unsigned> counter{0};
  const fs::path temp = link.string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                        std::to_string(counter.fetch_add(1));
  std::error_code ec;
  fs::remove(temp, ec);
  fs::create_symlink(target, temp, ec);
  if (ec) throw IoError(temp.string(), "cannot create the snapshot link: " + ec.message());
  fs::rename(temp, link, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw IoError(link.string(), "cannot place the snapshot link");
  }
}

struct RemoteFile {
  std::string blob;         // the blob's name: the LFS sha256 or the git ETag
  std::string sha256;       // set for LFS files (verified)
  std::string content_url;  // where the bytes are (maybe a CDN, fetched without the token)
  bool send_token = true;
  long long size = -1;
};

// HEADs the resolve URL, following same-host redirects (with the token) and stopping at the
// first other-host redirect (the CDN: its URL is fetched later without the token).
RemoteFile head_file(const std::string& url0, const std::string& token, const std::string& id,
                     const std::string& revision) {
  std::string url = url0;
  const std::string hub_host = host_of(url0);
  std::string etag;
  std::string linked_etag;
  long long size = -1;
  for (long hop = 0; hop <= kMaxRedirects; ++hop) {
    const Response response = perform(url, /*nobody=*/true, token, {"Accept-Encoding: identity"});
    auto header = [&](const char* name) {
      const auto it = response.headers.find(name);
      return it == response.headers.end() ? std::string() : it->second;
    };
    if (linked_etag.empty()) linked_etag = clean_etag(header("x-linked-etag"));
    if (etag.empty()) etag = clean_etag(header("etag"));
    if (const std::string linked_size = header("x-linked-size"); !linked_size.empty()) {
      size = std::atoll(linked_size.c_str());
    }
    if (response.status >= 300 && response.status < 400) {
      std::string location = header("location");
      if (location.empty()) throw IoError(url, "redirect without a Location header");
      if (location.front() == '/') location = origin_of(url) + location;
      if (host_of(location) != hub_host) {
        RemoteFile file;
        file.blob = linked_etag.empty() ? etag : linked_etag;
        file.content_url = location;
        file.send_token = false;
        file.size = size;
        if (is_hex64(file.blob)) file.sha256 = file.blob;
        if (file.blob.empty()) throw IoError(url0, "the Hub sent no ETag for this file");
        return file;
      }
      url = location;
      continue;
    }
    if (response.status != 200) throw_status(response, url0, id, revision, !token.empty());
    if (size < 0) {
      if (const std::string length = header("content-length"); !length.empty()) {
        size = std::atoll(length.c_str());
      }
    }
    RemoteFile file;
    file.blob = linked_etag.empty() ? etag : linked_etag;
    file.content_url = url;
    file.size = size;
    if (is_hex64(file.blob)) file.sha256 = file.blob;
    if (file.blob.empty()) throw IoError(url0, "the Hub sent no ETag for this file");
    return file;
  }
  throw IoError(url0, "more than " + std::to_string(kMaxRedirects) + " redirects");
}

// Fetches `remote` into blobs/<blob> through blobs/<blob>.incomplete (resumed with Range,
// verified, renamed). The caller holds the blob's lock.
void fetch_blob(const RemoteFile& remote, const fs::path& blob_path, const std::string& name,
                const std::string& token, const std::string& id, const std::string& revision) {
  const fs::path partial = blob_path.string() + ".incomplete";
  const bool show_progress = ::isatty(STDERR_FILENO) == 1;
  std::string last_error;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::error_code ec;
    const auto have =
        fs::exists(partial, ec) ? static_cast<long long>(fs::file_size(partial, ec)) : 0LL;
    if (remote.size >= 0 && have > remote.size) fs::remove(partial, ec);
    const long long start = (remote.size >= 0 && have > remote.size) ? 0 : have;
    if (remote.size < 0 || start < remote.size) {
      FILE* out = std::fopen(partial.c_str(), "ab");
      if (out == nullptr) throw IoError(partial.string(), "cannot write");
      Transfer transfer;
      transfer.show_progress = show_progress;
      transfer.label = name;
      transfer.already = start;
      transfer.follow = !remote.send_token;  // a CDN may redirect again (signed URLs)
      std::vector<std::string> headers = {"Accept-Encoding: identity"};
      if (start > 0) headers.push_back("Range: bytes=" + std::to_string(start) + "-");
      // The body goes to the file; a status other than 200/206 (an error page) is cut off
      // again below, so the partial file only ever holds the blob's leading bytes.
      Response response;
      try {
        transfer.sink = out;
        response = perform(remote.content_url, false, remote.send_token ? token : std::string(),
                           headers, &transfer);
      } catch (const IoError& error) {
        std::fclose(out);
        last_error = error.what();
        continue;  // a dropped connection: resume from what arrived
      }
      std::fclose(out);
      if (response.status == 200 && start > 0) {
        // The server ignored Range and sent the whole file after our partial bytes: keep only
        // the fresh copy.
        const auto total = static_cast<long long>(fs::file_size(partial, ec));
        std::vector<char> tail;
        {
          FILE* in = std::fopen(partial.c_str(), "rb");
          if (in == nullptr) throw IoError(partial.string(), "cannot read");
          std::fseek(in, static_cast<long>(start), SEEK_SET);
          tail.resize(static_cast<size_t>(total - start));
          const size_t got = std::fread(tail.data(), 1, tail.size(), in);
          std::fclose(in);
          tail.resize(got);
        }
        write_file_atomic(partial.string(), std::string_view(tail.data(), tail.size()));
      } else if (response.status != 200 && response.status != 206) {
        fs::resize_file(partial, static_cast<uintmax_t>(start), ec);
        if (response.status == 416) {
          fs::remove(partial, ec);  // our partial file is wrong; start over
          continue;
        }
        throw_status(response, remote.content_url, id, revision, !token.empty());
      }
      if (remote.size >= 0 && static_cast<long long>(fs::file_size(partial, ec)) < remote.size) {
        last_error = "connection closed early";
        continue;
      }
    }
    if (remote.size >= 0 && static_cast<long long>(fs::file_size(partial, ec)) != remote.size) {
      fs::remove(partial, ec);
      throw IoError(name, "the download has " + std::to_string(fs::file_size(partial, ec)) +
                              " bytes, the Hub announced " + std::to_string(remote.size) +
                              "; removed it");
    }
    if (!remote.sha256.empty()) {
      const std::string got = sha256_file(partial);
      if (got != remote.sha256) {
        fs::remove(partial, ec);
        throw IoError(name, "checksum mismatch: sha256 " + got + ", the Hub says " + remote.sha256 +
                                "; the download was removed (try again)");
      }
    }
    fs::rename(partial, blob_path, ec);
    if (ec) throw IoError(blob_path.string(), "cannot move the download into place");
    return;
  }
  throw IoError(name, "download failed after " + std::to_string(kMaxAttempts) +
                          " attempts: " + last_error + " (run again to resume)");
}

bool wanted(const std::string& name) {
  static const std::set<std::string> kNames = {"config.json",
                                               "model.safetensors",
                                               "model.safetensors.index.json",
                                               "tokenizer.json",
                                               "tokenizer_config.json",
                                               "special_tokens_map.json",
                                               "vocab.json",
                                               "merges.txt",
                                               "vocab.txt",
                                               "tokenizer.model",
                                               "spiece.model",
                                               "sentencepiece.bpe.model"};
  return kNames.count(name) != 0;
}

}  // namespace

bool hub_offline() {
  const std::string value = lower(trim(env("HF_HUB_OFFLINE")));
  return value == "1" || value == "true" || value == "yes" || value == "on";
}

std::string hub_endpoint() {
  std::string endpoint = trim(env("HF_ENDPOINT"));
  if (endpoint.empty()) endpoint = "https://huggingface.co";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

std::string sha256_file(const fs::path& path) {
  std::unique_ptr<FILE, decltype(&std::fclose)> in(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!in) throw IoError(path.string(), "cannot open to check its sha256");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw IoError(path.string(), "OpenSSL SHA-256 unavailable");
  }
  std::vector<unsigned char> buffer(1 << 20);
  size_t got = 0;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), in.get())) > 0) {
    EVP_DigestUpdate(ctx.get(), buffer.data(), got);
  }
  if (std::ferror(in.get())) throw IoError(path.string(), "read error while hashing");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

fs::path hub_download(const fs::path& cache, std::string_view id_view,
                      std::string_view revision_view) {
  const std::string id(id_view);
  const std::string revision = revision_view.empty() ? "main" : std::string(revision_view);
  std::string repo_name = "models--" + id;
  if (const size_t slash = repo_name.find('/'); slash != std::string::npos) {
    repo_name.replace(slash, 1, "--");
  }
  const fs::path repo_dir = cache / repo_name;
  if (hub_offline()) {
    throw IoError((repo_dir / "snapshots" / revision / "config.json").string(),
                  "'" + id + "' at '" + revision +
                      "' is not in the local Hugging Face cache and HF_HUB_OFFLINE is set, so "
                      "nothing is downloaded (unset HF_HUB_OFFLINE to fetch it)");
  }
  const std::string endpoint = hub_endpoint();
  const std::string token = hub_token();

  // The commit and the file list.
  const std::string api_url =
      endpoint + "/api/models/" + url_path(id) + "/revision/" + url_path(revision);
  std::string api_location = api_url;
  Response api;
  for (long hop = 0;; ++hop) {
    api = perform(api_location, false, token, {"Accept: application/json"});
    if (api.status >= 300 && api.status < 400 && hop < kMaxRedirects &&
        api.headers.count("location") != 0) {
      std::string location = api.headers["location"];
      if (!location.empty() && location.front() == '/')
        location = origin_of(api_location) + location;
      if (host_of(location) != host_of(api_url)) break;  // never send the token elsewhere
      api_location = location;
      continue;
    }
    break;
  }
  if (api.status != 200) throw_status(api, api_url, id, revision, !token.empty());
  nlohmann::json info;
  try {
    info = nlohmann::json::parse(api.body);
  } catch (const nlohmann::json::exception& error) {
    throw FormatError(api_url, std::string("the Hub's answer is not JSON: ") + error.what());
  }
  if (!info.is_object() || !info.contains("sha") || !info["sha"].is_string()) {
    throw FormatError(api_url, "the Hub's answer has no commit hash (\"sha\")");
  }
  const std::string commit = info["sha"].get<std::string>();
  if (commit.empty() || commit.size() > 64 ||
      !std::all_of(commit.begin(), commit.end(),
                   [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
    throw FormatError(api_url, "the commit hash \"" + commit.substr(0, 80) + "\" is not hex");
  }
  std::set<std::string> siblings;
  if (info.contains("siblings") && info["siblings"].is_array()) {
    for (const auto& item : info["siblings"]) {
      if (item.is_object() && item.contains("rfilename") && item["rfilename"].is_string()) {
        siblings.insert(item["rfilename"].get<std::string>());
      }
    }
  }
  if (siblings.count("config.json") == 0) {
    throw IoError(api_url, "'" + id + "' has no config.json at revision '" + revision +
                               "'; attnscope needs a transformers model folder");
  }
  const bool sharded = siblings.count("model.safetensors.index.json") != 0;
  if (!sharded && siblings.count("model.safetensors") == 0) {
    throw UnsupportedError("'" + id +
                           "' has no safetensors weights (model.safetensors or "
                           "model.safetensors.index.json); attnscope never loads pickled "
                           "weights (pytorch_model.bin)");
  }

  const fs::path snapshot = repo_dir / "snapshots" / commit;
  const fs::path blobs = repo_dir / "blobs";
  const fs::path locks = cache / ".locks" / repo_name;
  fs::create_directories(blobs);
  fs::create_directories(snapshot);

  auto fetch = [&](const std::string& name) {
    std::error_code ec;
    if (fs::exists(snapshot / name, ec)) return;  // already there (follows the link)
    const std::string url =
        endpoint + "/" + url_path(id) + "/resolve/" + url_path(commit) + "/" + url_path(name);
    const RemoteFile remote = head_file(url, token, id, revision);
    if (!is_safe_repo_path(remote.blob) || remote.blob.find('/') != std::string::npos) {
      throw FormatError(url, "the Hub's ETag is not a usable blob name");
    }
    const fs::path blob_path = blobs / remote.blob;
    {
      FileLock lock(locks / (remote.blob + ".lock"));
      if (!fs::exists(blob_path, ec)) fetch_blob(remote, blob_path, name, token, id, revision);
    }
    link_into_snapshot(repo_dir, snapshot, name, remote.blob);
  };

  std::vector<std::string> files;
  for (const auto& name : siblings) {
    if (name != "config.json" && wanted(name)) files.push_back(name);
  }
  // Shards named by the index.
  if (sharded) {
    fetch("model.safetensors.index.json");
    nlohmann::json index;
    try {
      index =
          nlohmann::json::parse(read_file((snapshot / "model.safetensors.index.json").string()));
    } catch (const nlohmann::json::exception& error) {
      throw FormatError((snapshot / "model.safetensors.index.json").string(), error.what());
    }
    if (!index.contains("weight_map") || !index["weight_map"].is_object()) {
      throw FormatError((snapshot / "model.safetensors.index.json").string(), "no weight_map");
    }
    std::set<std::string> shards;
    for (const auto& [tensor, shard] : index["weight_map"].items()) {
      if (!shard.is_string()) continue;
      const std::string name = shard.get<std::string>();
      if (!is_safe_repo_path(name) || name.size() < 12 ||
          name.substr(name.size() - 12) != ".safetensors" || siblings.count(name) == 0) {
        throw FormatError((snapshot / "model.safetensors.index.json").string(),
                          "weight_map names '" + name + "', not a safetensors file of the repo");
      }
      shards.insert(name);
    }
    files.insert(files.end(), shards.begin(), shards.end());
  }
  for (const auto& name : files) fetch(name);
  fetch("config.json");  // last: a snapshot with config.json is complete

  if (revision != commit) {
    fs::create_directories(repo_dir / "refs");
    // write_file_atomic's temporary name is per process; threads need their own.
    const fs::path ref = repo_dir / "refs" / revision;
    static std::atomic<unsigned> counter{0};
    const fs::path temp = ref.string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                          std::to_string(counter.fetch_add(1));
    write_file_atomic(temp.string(), commit);
    std::error_code ec;
    fs::rename(temp, ref, ec);
    if (ec) {
      fs::remove(temp, ec);
      throw IoError(ref.string(), "cannot write the ref");
    }
  }
  return snapshot;
}

}  // namespace attnscope
