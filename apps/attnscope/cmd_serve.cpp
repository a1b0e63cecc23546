// attnscope serve: the interactive dashboard (docs/api.md) on a local web server. Thin: options
// -> server::Dashboard (the answers) + server::HttpServer (the checked HTTP side), then wait for
// Ctrl-C / SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "commands.h"
#include "core/error.h"
#include "core/memory.h"
#include "server/api.h"
#include "server/dashboard.h"
#include "server/http_server.h"
#include "server/snapshot.h"

extern char** environ;

namespace attnscope::cli {
namespace {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::vector<std::string> models;
  std::string models_dir;
  std::string token;
  int64_t max_tokens = 4096;
  int max_concurrent = 0;
  std::string cache_size = "512M";
  int timeout = 15;
  bool open = false;
};

int stop_pipe[2] = {-1, -1};

void on_stop_signal(int) {
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(stop_pipe[1], &byte, 1);
}

// 128 random bits as 32 hex digits (getrandom: the kernel's CSPRNG).
std::string random_token() {
  unsigned char bytes[16];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    const ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0) throw IoError("getrandom", "cannot draw a random token; give --token");
    got += static_cast<size_t>(n);
  }
  static const char* const kHex = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

// Starts xdg-open on `url` and never waits for it or fails the server.
void open_browser(const std::string& url) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  std::string program = "xdg-open";
  char* argv[] = {program.data(), const_cast<char*>(url.c_str()), nullptr};
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, "xdg-open", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (error != 0) {
    std::cerr << "attnscope serve: could not start xdg-open; open the URL yourself\n";
    return;
  }
  std::thread([pid] { waitpid(pid, nullptr, 0); }).detach();
}

void run(const ServeOptions& opt) {
  std::string token = opt.token;
  if (token.empty()) {
    const char* env = std::getenv("ATTNSCOPE_TOKEN");
    token = env != nullptr && *env != '\0' ? env : random_token();
  }

  server::DashboardOptions dashboard_options;
  dashboard_options.models = opt.models;
  dashboard_options.models_dir = opt.models_dir;
  dashboard_options.max_tokens = opt.max_tokens;
  dashboard_options.cache_bytes = parse_byte_size(opt.cache_size);
  dashboard_options.limiter.running = opt.max_concurrent;
  server::Dashboard dashboard(dashboard_options);
  for (const auto& warning : dashboard.warnings()) {
    std::cerr << "attnscope serve: warning: " << warning << "\n";
  }
  server::Api api(dashboard, server::build_report);

  // A stop signal may reach any thread (BLAS starts its own before main), so a handler on
  // every thread writes to a pipe that this thread waits on: a clean stop either way.
  if (::pipe2(stop_pipe, O_CLOEXEC) != 0) throw IoError("pipe", "cannot create the stop pipe");
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);

  server::HttpServerOptions http;
  http.host = opt.host;
  http.port = static_cast<uint16_t>(opt.port);
  http.token = token;
  http.body_cap = server::Api::body_cap;
  http.connection_timeout_s = static_cast<unsigned>(opt.timeout);
  server::HttpServer server(http, [&api](const server::HttpRequest& r) { return api.handle(r); });
  if (!server.loopback()) {
    std::cerr << "attnscope serve: warning: listening on " << server.url_host()
              << ", reachable from other machines; anyone with the token can run models here\n";
  }
  const std::string url =
      "http://" + server.url_host() + ":" + std::to_string(server.port()) + "/?token=" + token;
  std::cout << "attnscope serve: " << url << std::endl;  // the one ready line, flushed
  if (opt.open) open_browser(url);

  char byte = 0;
  while (::read(stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
  server.stop();
  for (int s : {SIGINT, SIGTERM, SIGHUP}) signal(s, SIG_DFL);
}

void setup(CLI::App& app) {
  auto opt = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand(
      "serve", "The interactive dashboard in your browser: a local web server (docs/api.md)");
  cmd->add_option("--host", opt->host,
                  "Address to listen on; anything but loopback (127.0.0.1, ::1) is reachable "
                  "from other machines and warns")
      ->capture_default_str();
  cmd->add_option("--port,-p", opt->port, "Port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--model,-m", opt->models,
                  "A model to offer (repeatable): a folder with config.json + *.safetensors, a "
                  "Hugging Face id in the local cache, or 'demo' (always offered)");
  cmd->add_option("--models-dir", opt->models_dir,
                  "Also offer every model folder (holding a config.json) in this folder");
  cmd->add_option("--token", opt->token,
                  "The access token (default: $ATTNSCOPE_TOKEN, else 128 random bits); at least "
                  "16 of A-Z a-z 0-9 . _ ~ -");
  cmd->add_option("--max-tokens", opt->max_tokens,
                  "Longest text accepted, in tokens (longer: HTTP 422)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-concurrent", opt->max_concurrent,
                  "Analyses running at once (default: one per core); 32 more wait, the rest get "
                  "HTTP 503")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--cache-size", opt->cache_size,
                  "Memory for cached results (e.g. 256M, 2G); least recently used go first")
      ->capture_default_str();
  cmd->add_option("--timeout", opt->timeout, "Seconds before an idle connection is closed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_flag("--open", opt->open, "Open the dashboard in the default browser (xdg-open)");
  cmd->footer(
      "When ready it prints one line, the URL to open (it carries the token):\n"
      "  attnscope serve: http://127.0.0.1:8080/?token=...\n"
      "Ctrl-C stops it. The API (docs/api.md) needs the token as 'Authorization: Bearer TOKEN'.\n\n"
      "Examples:\n"
      "  attnscope serve --open\n"
      "  attnscope serve --model models/tiny-gpt2 --models-dir ~/models --port 0\n");
  cmd->callback([opt] { run(*opt); });
}

const Registration kServe{"serve", 60, setup};

}  // namespace
}  // namespace attnscope::cli
