// Hub downloads against a fake Hugging Face Hub on loopback (libmicrohttpd) that serves the Hub's
// URL scheme and headers for the tiny GPT-2 in ../shared (copied to a temp folder):
//   GET  /api/models/ORG/NAME/revision/REV   {"sha": ..., "siblings": [...]}
//   HEAD /ORG/NAME/resolve/REV/FILE          ETag / X-Repo-Commit; *.safetensors: 302 to the
//                                            "CDN" (http://localhost:PORT/cdn/...) with
//                                            X-Linked-Etag (sha256) and X-Linked-Size
//   GET  .../resolve/... and /cdn/...        the bytes, Range honoured (206)
// No test touches the internet.
#include "io/hub_download.h"

#include <gtest/gtest.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/mapped_file.h"
#include "io/model_source.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using ::attnscope::testing::ScopedEnv;
using ::attnscope::testing::TempDir;

constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";
constexpr const char* kOtherCommit = "fedcba9876543210fedcba9876543210fedcba98";
constexpr const char* kId = "tiny/gpt2";

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
  static std::string fake_sha256(const std::string& name) {
    return name == "x" ? "" : std::string(64, 'e');
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

class HubDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::optional<fs::path> root = testing::shared_dir();
    if (!root || !fs::is_directory(*root / "models" / "tiny-gpt2")) {
      GTEST_SKIP() << "models/tiny-gpt2 is absent: " << testing::shared_dir_search_note();
    }
    const fs::path shared = *root / "models" / "tiny-gpt2";
    for (const char* name : {"config.json", "model.safetensors", "tokenizer.json",
                             "tokenizer_config.json", "vocab.json", "merges.txt"}) {
      fs::copy_file(shared / name, model_ / name);
    }
    write_file_atomic((model_ / "pytorch_model.bin").string(), "pickle!");  // listed, refused
    hub_ = std::make_unique<FakeHub>(model_);
    hub_->files_.erase("pytorch_model.bin");
    endpoint_.emplace("HF_ENDPOINT", hub_->endpoint());
  }

  fs::path repo() const { return cache_ / "models--tiny--gpt2"; }
  std::string io_error(const std::string& spec) {
    try {
      resolve_model_path(spec);
    } catch (const IoError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no IoError for " << spec;
    return "";
  }
  void expect_complete(const fs::path& snapshot) {
    for (const char* name : {"config.json", "model.safetensors", "tokenizer.json", "vocab.json",
                             "merges.txt", "tokenizer_config.json"}) {
      ASSERT_TRUE(fs::is_symlink(snapshot / name)) << name;
      EXPECT_EQ(read_file((snapshot / name).string(), 1 << 30),
                read_file((model_ / name).string(), 1 << 30))
          << name;
    }
    EXPECT_FALSE(fs::exists(snapshot / "pytorch_model.bin"));
  }

  TempDir dir_{"hub"};
  fs::path cache_ = dir_.path() / "cache";
  fs::path model_ = [this] {
    fs::create_directories(dir_.path() / "model");
    return dir_.path() / "model";
  }();
  ScopedEnv cache_env_{"HF_HUB_CACHE", cache_.string()};
  ScopedEnv legacy_{"TRANSFORMERS_CACHE", std::nullopt};
  ScopedEnv offline_{"HF_HUB_OFFLINE", std::nullopt};
  ScopedEnv token_{"HF_TOKEN", std::nullopt};
  ScopedEnv home_{"HF_HOME", (dir_.path() / "home").string()};
  std::optional<ScopedEnv> endpoint_;
  std::unique_ptr<FakeHub> hub_;
};

TEST_F(HubDownload, FirstDownloadMakesTheCacheLayoutThenTheCacheAnswers) {
  const fs::path snapshot = resolve_model_path("tiny/gpt2");
  EXPECT_EQ(snapshot, repo() / "snapshots" / kCommit);
  expect_complete(snapshot);
  EXPECT_EQ(read_file((repo() / "refs" / "main").string()), kCommit);
  // Weights are a blob named by their sha256, links are relative.
  const std::string sha = sha256_file(model_ / "model.safetensors");
  EXPECT_TRUE(fs::is_regular_file(repo() / "blobs" / sha));
  EXPECT_EQ(fs::read_symlink(snapshot / "model.safetensors"), fs::path("../../blobs") / sha);
  EXPECT_EQ(hub_->count("GET", "pytorch_model.bin"), 0u);
  // The CDN got the content without the token... (no token here; see the token test)
  EXPECT_EQ(hub_->count("GET", "/cdn/model.safetensors"), 1u);
  for (const auto& entry : fs::recursive_directory_iterator(repo())) {
    EXPECT_EQ(entry.path().string().find(".incomplete"), std::string::npos) << entry.path();
  }

  hub_->clear_log();
  EXPECT_EQ(resolve_model_path("tiny/gpt2"), snapshot);
  EXPECT_EQ(resolve_model_path("tiny/gpt2@main"), snapshot);
  EXPECT_TRUE(hub_->log().empty()) << "the second run made a request";
}

TEST_F(HubDownload, OfflineNamesTheMissingFileAndMakesNoRequest) {
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  const std::string message = io_error("tiny/gpt2");
  EXPECT_NE(message.find("HF_HUB_OFFLINE"), std::string::npos) << message;
  EXPECT_NE(message.find((repo() / "snapshots" / "main" / "config.json").string()),
            std::string::npos)
      << message;
  EXPECT_TRUE(hub_->log().empty());
  EXPECT_THROW(hub_download(cache_, kId, "main"), IoError);
  EXPECT_TRUE(hub_->log().empty());
}

TEST_F(HubDownload, OfflineUsesWhatIsCached) {
  const fs::path snapshot = resolve_model_path("tiny/gpt2");
  hub_->clear_log();
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  EXPECT_EQ(resolve_model_path("tiny/gpt2"), snapshot);
  EXPECT_TRUE(hub_->log().empty());
}

TEST_F(HubDownload, WrongChecksumIsRefusedAndNothingIsLeftBehind) {
  hub_->lie_sha_for = "model.safetensors";
  const std::string message = io_error("tiny/gpt2");
  EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(repo() / "blobs" / std::string(64, 'e')));
  EXPECT_FALSE(fs::exists(repo() / "blobs" / (std::string(64, 'e') + ".incomplete")));
  EXPECT_FALSE(fs::exists(repo() / "snapshots" / kCommit / "model.safetensors"));
  EXPECT_FALSE(fs::exists(repo() / "snapshots" / kCommit / "config.json"));
  EXPECT_FALSE(fs::exists(repo() / "refs" / "main"));
  // Offline, the half-made snapshot does not pass for a model.
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  const std::string offline_message = io_error("tiny/gpt2");
  EXPECT_NE(offline_message.find("has no config.json"), std::string::npos) << offline_message;
}

TEST_F(HubDownload, ResumesAfterADroppedConnection) {
  const std::string& weights = hub_->files_["model.safetensors"];
  ASSERT_GT(weights.size(), 8192u);
  hub_->drop_after = static_cast<long>(weights.size() / 2);
  const fs::path snapshot = resolve_model_path("tiny/gpt2");
  expect_complete(snapshot);
  bool resumed = false;
  for (const auto& entry : hub_->log()) {
    if (entry.path == "/cdn/model.safetensors" && entry.range.rfind("bytes=", 0) == 0 &&
        entry.range != "bytes=0-") {
      resumed = true;
    }
  }
  EXPECT_TRUE(resumed) << "no Range request after the drop";
}

TEST_F(HubDownload, ResumesAnIncompleteFileFromAnEarlierRun) {
  const std::string& weights = hub_->files_["model.safetensors"];
  const std::string sha = sha256_file(model_ / "model.safetensors");
  fs::create_directories(repo() / "blobs");
  write_file_atomic((repo() / "blobs" / (sha + ".incomplete")).string(), weights.substr(0, 1000));
  expect_complete(resolve_model_path("tiny/gpt2"));
  size_t ranged = 0;
  for (const auto& entry : hub_->log()) {
    ranged += entry.path == "/cdn/model.safetensors" && entry.range == "bytes=1000-" ? 1 : 0;
  }
  EXPECT_EQ(ranged, 1u);
}

TEST_F(HubDownload, GatedRepositoryTellsWhatToDo) {
  hub_->required_token = "hf_secret";
  std::string message = io_error("tiny/gpt2");
  EXPECT_NE(message.find("HTTP 401"), std::string::npos) << message;
  EXPECT_NE(message.find("gated or private"), std::string::npos) << message;
  EXPECT_NE(message.find("HF_TOKEN"), std::string::npos) << message;
  EXPECT_NE(message.find("accept the model's license"), std::string::npos) << message;

  // The token file of `huggingface-cli login` works; the CDN never sees the token.
  fs::create_directories(dir_.path() / "home");
  write_file_atomic((dir_.path() / "home" / "token").string(), "hf_secret\n");
  expect_complete(resolve_model_path("tiny/gpt2"));
  for (const auto& entry : hub_->log()) {
    if (entry.path.rfind("/cdn/", 0) == 0) {
      EXPECT_FALSE(entry.auth) << entry.path;
    }
    if (entry.path.find("/resolve/") != std::string::npos) {
      EXPECT_TRUE(entry.auth) << entry.path;
    }
  }
}

TEST_F(HubDownload, WrongTokenSaysItWasNotAccepted) {
  hub_->required_token = "hf_secret";
  ScopedEnv token("HF_TOKEN", "hf_wrong");
  const std::string message = io_error("tiny/gpt2");
  EXPECT_NE(message.find("was not accepted"), std::string::npos) << message;
}

TEST_F(HubDownload, UnknownRepoOrRevisionIs404) {
  std::string message = io_error("nobody/nothing");
  EXPECT_NE(message.find("HTTP 404"), std::string::npos) << message;
  EXPECT_NE(message.find("'nobody/nothing'"), std::string::npos) << message;
  message = io_error("tiny/gpt2@no-such-branch");
  EXPECT_NE(message.find("HTTP 404"), std::string::npos) << message;
  EXPECT_NE(message.find("no-such-branch"), std::string::npos) << message;
}

TEST_F(HubDownload, BranchAndCommitRevisions) {
  const fs::path v2 = resolve_model_path("tiny/gpt2@v2");
  EXPECT_EQ(v2, repo() / "snapshots" / kOtherCommit);
  EXPECT_EQ(read_file((repo() / "refs" / "v2").string()), kOtherCommit);
  expect_complete(v2);

  const fs::path by_hash = resolve_model_path(std::string("tiny/gpt2@") + kCommit);
  EXPECT_EQ(by_hash, repo() / "snapshots" / kCommit);
  expect_complete(by_hash);
  EXPECT_FALSE(fs::exists(repo() / "refs" / kCommit)) << "a commit hash is not a ref";
  // The weights are the same blob: fetched once for both snapshots.
  EXPECT_EQ(hub_->count("GET", "/cdn/model.safetensors"), 1u);
}

TEST_F(HubDownload, TwoConcurrentDownloadsOfTheSameModel) {
  std::vector<std::string> errors(4);
  std::vector<fs::path> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      try {
        results[i] = hub_download(cache_, kId, "main");
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(errors[i], "");
    EXPECT_EQ(results[i], repo() / "snapshots" / kCommit);
  }
  expect_complete(repo() / "snapshots" / kCommit);
  EXPECT_EQ(hub_->count("GET", "/cdn/model.safetensors"), 1u) << "the lock let two fetch it";
}

}  // namespace
}  // namespace attnscope
