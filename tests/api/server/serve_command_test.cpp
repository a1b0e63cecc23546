// `attnscope serve` as a child process: the one ready line, the token sources, a clean stop on
// SIGTERM, the warning for a non-loopback --host, and one-line errors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "server_test_support.h"

extern char** environ;

namespace attnscope::testing {
namespace {

class ServeProcess {
 public:
  explicit ServeProcess(std::vector<std::string> args, std::vector<std::string> env = {}) {
    int out[2], err[2];
    EXPECT_EQ(::pipe(out), 0);
    EXPECT_EQ(::pipe(err), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, err[0]);
    args.insert(args.begin(), {ATTNSCOPE_BINARY, "serve"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("ATTNSCOPE_TOKEN=", 0) != 0) environment.emplace_back(*e);
    }
    for (auto& e : env) environment.push_back(e);
    std::vector<char*> envp;
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, ATTNSCOPE_BINARY, &actions, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::close(err_);
  }

  // stdout's first line (without "\n"), or "" when none comes in time.
  std::string first_line(int timeout_ms = 60000) { return read_line(out_, timeout_ms); }
  std::string read_stderr(int timeout_ms = 2000) { return read_all(err_, timeout_ms); }

  // Sends `signal` and returns the exit status (-1: still running after the timeout).
  int stop(int signal, int timeout_ms = 10000) {
    ::kill(pid_, signal);
    return wait(timeout_ms);
  }
  int wait(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  static std::string read_line(int fd, int timeout_ms) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c = 0;
      if (::read(fd, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }
  static std::string read_all(int fd, int timeout_ms) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
};

TEST(ServeCommand, PrintsTheReadyLineAndStopsCleanlyOnSigterm) {
  ServeProcess serve({"--port", "0", "--token", kToken});
  const std::string line = serve.first_line();
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      line, m, std::regex(R"(attnscope serve: http://127\.0\.0\.1:(\d+)/\?token=(.*))")))
      << line;
  EXPECT_EQ(m[2].str(), kToken);
  const auto port = static_cast<uint16_t>(std::stoi(m[1].str()));
  EXPECT_GT(port, 0);
  EXPECT_EQ(http(port, {.path = "/api/models"}).status, 200);
  EXPECT_EQ(serve.stop(SIGTERM), 0);
}

TEST(ServeCommand, StopsCleanlyOnSigint) {
  ServeProcess serve({"--port", "0", "--token", kToken});
  ASSERT_NE(serve.first_line().find("http://"), std::string::npos);
  EXPECT_EQ(serve.stop(SIGINT), 0);
}

TEST(ServeCommand, TokenFromTheEnvironmentElseRandom128Bits) {
  {
    ServeProcess serve({"--port", "0"}, {"ATTNSCOPE_TOKEN=from-the-environment-123"});
    EXPECT_TRUE(serve.first_line().ends_with("/?token=from-the-environment-123"));
  }
  ServeProcess a({"--port", "0"});
  ServeProcess b({"--port", "0"});
  std::smatch ma, mb;
  const std::string la = a.first_line(), lb = b.first_line();
  const std::regex hex(R"(.*/\?token=([0-9a-f]{32}))");
  ASSERT_TRUE(std::regex_match(la, ma, hex)) << la;
  ASSERT_TRUE(std::regex_match(lb, mb, hex)) << lb;
  EXPECT_NE(ma[1].str(), mb[1].str());
}

TEST(ServeCommand, NonLoopbackHostWarns) {
  ServeProcess serve({"--port", "0", "--host", "0.0.0.0", "--token", kToken});
  const std::string line = serve.first_line();
  EXPECT_NE(line.find("http://0.0.0.0:"), std::string::npos) << line;
  EXPECT_NE(serve.read_stderr().find("warning: listening on 0.0.0.0"), std::string::npos);
}

TEST(ServeCommand, BadOptionsGiveOneErrorLine) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--port", "0", "--token", "short"},
                                             {"--port", "0", "--model", "/nonexistent/model"},
                                             {"--port", "0", "--host", "not-an-address"}}) {
    ServeProcess serve(args);
    EXPECT_EQ(serve.wait(30000), 1) << args[2];
    const std::string err = serve.read_stderr();
    EXPECT_EQ(err.rfind("attnscope: error: ", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

TEST(ServeCommand, PortInUseNamesTheAddress) {
  TestServer taken;
  ServeProcess serve({"--port", std::to_string(taken.port()), "--token", kToken});
  EXPECT_EQ(serve.wait(30000), 1);
  const std::string err = serve.read_stderr();
  EXPECT_NE(err.find("127.0.0.1:" + std::to_string(taken.port())), std::string::npos) << err;
  EXPECT_NE(err.find("in use"), std::string::npos) << err;
}

}  // namespace
}  // namespace attnscope::testing
