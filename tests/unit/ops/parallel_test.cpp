// ops::parallel_for: every index visited exactly once, chunks respect the grain, nested or
// concurrent callers fall back to running inline, and the thread count can be pinned.
#include "ops/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace attnscope::ops {
namespace {

class ParallelFor : public ::testing::Test {
 protected:
  void SetUp() override { set_parallel_threads(2); }
  void TearDown() override { set_parallel_threads(0); }
};

TEST_F(ParallelFor, VisitsEveryIndexOnce) {
  for (int64_t count : {0, 1, 5, 100, 4097, 100000}) {
    std::vector<std::atomic<int>> visits(count);
    parallel_for(count, 7, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) visits[i].fetch_add(1);
    });
    for (int64_t i = 0; i < count; ++i) ASSERT_EQ(visits[i].load(), 1) << count << " at " << i;
  }
}

TEST_F(ParallelFor, ChunksRespectTheGrain) {
  const int64_t count = 1000, grain = 64;
  std::atomic<int> short_chunks{0};
  parallel_for(count, grain, [&](int64_t begin, int64_t end) {
    if (end - begin < grain && end != count) short_chunks.fetch_add(1);
  });
  EXPECT_EQ(short_chunks.load(), 0);
}

TEST_F(ParallelFor, NestedAndConcurrentCallsComplete) {
  std::atomic<int64_t> total{0};
  const auto job = [&] {
    parallel_for(64, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        parallel_for(100, 10, [&](int64_t b, int64_t e) { total.fetch_add(e - b); });
      }
    });
  };
  std::thread other(job);
  job();
  other.join();
  EXPECT_EQ(total.load(), 2 * 64 * 100);
}

TEST_F(ParallelFor, ThreadCountCanBePinned) {
  set_parallel_threads(1);
  EXPECT_EQ(parallel_threads(), 1);
  const std::thread::id caller = std::this_thread::get_id();
  bool all_inline = true;
  parallel_for(100000, 1, [&](int64_t, int64_t) {
    if (std::this_thread::get_id() != caller) all_inline = false;
  });
  EXPECT_TRUE(all_inline);
}

}  // namespace
}  // namespace attnscope::ops
