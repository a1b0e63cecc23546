// A burst of concurrent requests (issue #9 section 6, HS-7): every request gets a definite
// answer, the server stays up, and memory returns to its level.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "server_test_support.h"

namespace attnscope::testing {
namespace {

std::vector<Reply> burst(const TestServer& server, int count, const std::string& prefix) {
  std::vector<Reply> replies(static_cast<size_t>(count));
  std::vector<std::thread> threads;
  for (int k = 0; k < count; ++k) {
    threads.emplace_back([&, k] {
      const std::string text = prefix + " the cat sat on the mat " + std::to_string(k);
      const std::string path = k % 2 == 0 ? "/api/analyze" : "/api/attention";
      replies[static_cast<size_t>(k)] = server.post(
          path, nlohmann::json{{"model", "demo"}, {"text", text}, {"layer", k % 2}}.dump());
    });
  }
  for (auto& t : threads) t.join();
  return replies;
}

TEST(ApiLoad, BurstOf32IsAnsweredAndMemoryReturns) {
  TestServerOptions options;
  options.dashboard.cache_bytes = 1 << 20;  // results must not pile up
  options.dashboard.limiter = {.running = 2, .waiting = 16};
  TestServer server(options);
  burst(server, 32, "warm-up");  // loads the model, sizes the allocator's pools
  const uint64_t before = rss_bytes();
  for (int round = 0; round < 2; ++round) {
    const auto replies = burst(server, 32, "round " + std::to_string(round));
    int ok = 0, busy = 0;
    for (const Reply& r : replies) {
      if (r.status == 200) ++ok;
      if (r.status == 503) {
        ++busy;
        EXPECT_EQ(r.header("retry-after"), "1");
      }
    }
    EXPECT_EQ(ok + busy, 32) << "every request gets 200 or 503";
    EXPECT_GE(ok, 18) << "2 running + 16 queued at least";
  }
  EXPECT_EQ(server.get("/api/health").status, 200);
  const uint64_t after = rss_bytes();
  EXPECT_LT(after, before + (64u << 20)) << "RSS " << before << " -> " << after;
}

}  // namespace
}  // namespace attnscope::testing
