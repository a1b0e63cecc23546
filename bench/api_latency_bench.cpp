// Latency of the dashboard API (issue #9 section 6): POST /api/analyze at T = 32 and 128 tokens
// with 1 and 8 concurrent clients, uncached (a new text every request: a forward pass each) and
// cached (the same text again). The server is `attnscope serve` started as a child process (so
// the clients in this process talk to a second process over loopback); each client keeps one
// keep-alive connection (libcurl). Prints a Markdown table of p50 / p95 per request and the
// throughput. Results and the exact command: bench/README.md.
//
//   build/release/bench/bench_api_latency                         # demo model, 160 requests/case
//   build/release/bench/bench_api_latency --requests 400 --binary
//   build/release/apps/attnscope/attnscope
#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

constexpr const char* kToken = "bench-token-0123456789abcdef";

struct Options {
  std::string binary;
  std::string model = "demo";
  int requests = 160;  // per case
};

struct Server {
  pid_t pid = -1;
  uint16_t port = 0;
};

Server start_server(const Options& opt) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<std::string> args = {opt.binary, "serve", "--port", "0", "--token", kToken};
  if (opt.model != "demo") args.insert(args.end(), {"--model", opt.model});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Server server;
  if (posix_spawn(&server.pid, opt.binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start " + opt.binary);
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  std::string line;
  char c = 0;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);
  const size_t colon = line.rfind(':');
  const size_t slash = line.find('/', colon);
  if (line.rfind("attnscope serve: http://", 0) != 0 || colon == std::string::npos) {
    throw std::runtime_error("unexpected ready line: '" + line + "'");
  }
  server.port = static_cast<uint16_t>(std::stoi(line.substr(colon + 1, slash - colon - 1)));
  return server;
}

size_t on_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

class Client {
 public:
  explicit Client(uint16_t port)
      : curl_(curl_easy_init()), base_("http://127.0.0.1:" + std::to_string(port)) {
    headers_ =
        curl_slist_append(headers_, (std::string("Authorization: Bearer ") + kToken).c_str());
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    headers_ = curl_slist_append(headers_, "Expect:");
  }
  ~Client() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  // POSTs `body`; returns the status and fills `reply`.
  long post(const std::string& path, const std::string& body, std::string& reply) {
    reply.clear();
    const std::string url = base_ + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    long status = 0;
    if (curl_easy_perform(curl_) == CURLE_OK)
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

 private:
  CURL* curl_;
  std::string base_;
  curl_slist* headers_ = nullptr;
};

// A demo text of exactly `tokens` tokens (BOS + one token per word), different for each seed.
std::string demo_text(int tokens, uint64_t seed) {
  static const char* const kWords[] = {"the", "cat", "sat", "on", "mat", ".",
                                       "a",   "dog", "ran", "to", "park"};
  std::string text;
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int k = 0; k < tokens - 1; ++k) {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    text += (k > 0 ? " " : "") + std::string(kWords[(state * 0x2545F4914F6CDD1Dull >> 33) % 11]);
  }
  return text;
}

std::string analyze_body(const std::string& model, const std::string& text) {
  return nlohmann::json{{"model", model}, {"text", text}}.dump();
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const size_t index =
      std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
  return values[index];
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  opt.binary =
      (std::filesystem::path(argv[0]).parent_path() / ".." / "apps" / "attnscope" / "attnscope")
          .lexically_normal()
          .string();
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    if (arg == "--binary" && k + 1 < argc) {
      opt.binary = argv[++k];
    } else if (arg == "--model" && k + 1 < argc) {
      opt.model = argv[++k];
    } else if (arg == "--requests" && k + 1 < argc) {
      opt.requests = std::max(8, std::atoi(argv[++k]));
    } else {
      std::fprintf(
          stderr,
          "usage: bench_api_latency [--binary PATH] [--model demo|FOLDER] [--requests N]\n");
      return 2;
    }
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const Server server = start_server(opt);
  std::printf("server: %s serve (pid %d) on 127.0.0.1:%u; model %s; %d requests per case\n\n",
              opt.binary.c_str(), server.pid, server.port, opt.model.c_str(), opt.requests);
  {
    // Load the model and check the token counts once.
    Client client(server.port);
    std::string reply;
    for (int t : {32, 128}) {
      const long status =
          client.post("/api/tokenize", analyze_body(opt.model, demo_text(t, 1)), reply);
      const auto ids = status == 200 ? nlohmann::json::parse(reply).at("ids").size() : 0;
      if (opt.model == "demo" && static_cast<int>(ids) != t) {
        std::fprintf(stderr, "expected %d tokens, got %zu (status %ld)\n", t, ids, status);
        return 1;
      }
    }
    client.post("/api/analyze", analyze_body(opt.model, "warm up"), reply);
  }

  std::printf(
      "| T | clients | cache | p50 ms | p95 ms | requests/s |\n|---|---|---|---|---|---|\n");
  uint64_t seed = 1000;
  int failures = 0;
  for (int t : {32, 128}) {
    for (int clients : {1, 8}) {
      for (bool cached : {false, true}) {
        const std::string fixed = demo_text(t, 7);
        if (cached) {
          Client warm(server.port);
          std::string reply;
          warm.post("/api/analyze", analyze_body(opt.model, fixed), reply);
        }
        std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
        std::atomic<int> next{0};
        std::atomic<int> failed{0};
        const uint64_t base = seed;
        seed += static_cast<uint64_t>(opt.requests);
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> threads;
        for (int c = 0; c < clients; ++c) {
          threads.emplace_back([&, c] {
            Client client(server.port);
            std::string reply;
            for (int k = next++; k < opt.requests; k = next++) {
              const std::string body = analyze_body(
                  opt.model, cached ? fixed : demo_text(t, base + static_cast<uint64_t>(k)));
              const auto t0 = std::chrono::steady_clock::now();
              const long status = client.post("/api/analyze", body, reply);
              const auto t1 = std::chrono::steady_clock::now();
              if (status != 200) ++failed;
              latencies[static_cast<size_t>(c)].push_back(
                  std::chrono::duration<double, std::milli>(t1 - t0).count());
            }
          });
        }
        for (auto& thread : threads) thread.join();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::vector<double> all;
        for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
        std::printf("| %d | %d | %s | %.2f | %.2f | %.0f |\n", t, clients,
                    cached ? "cached" : "uncached", percentile(all, 0.50), percentile(all, 0.95),
                    static_cast<double>(all.size()) / seconds);
        std::fflush(stdout);
        failures += failed.load();
      }
    }
  }
  ::kill(server.pid, SIGTERM);
  int status = 0;
  ::waitpid(server.pid, &status, 0);
  if (failures > 0) std::fprintf(stderr, "%d requests did not get 200\n", failures);
  std::printf("\nserver exit status: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  curl_global_cleanup();
  return failures > 0 ? 1 : 0;
}
