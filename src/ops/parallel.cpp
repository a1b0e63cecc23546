#include "ops/parallel.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace attnscope::ops {
namespace {

// One loop at a time: chunks are claimed from an atomic counter by the caller and the workers.
class WorkerPool {
 public:
  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  // False when another caller's loop is running (the caller then runs its loop inline).
  bool run(int threads, int64_t count, int64_t chunk,
           const std::function<void(int64_t, int64_t)>& body) {
    bool idle = false;
    if (!busy_.compare_exchange_strong(idle, true)) return false;  // also a nested call
    const int helpers = threads - 1;
    while (static_cast<int>(workers_.size()) < helpers) {
      workers_.emplace_back([this, index = static_cast<int>(workers_.size())] { work(index); });
    }
    {
      std::lock_guard lock(mutex_);
      body_ = &body;
      count_ = count;
      chunk_ = chunk;
      next_.store(0);
      active_helpers_ = helpers;
      pending_helpers_ = helpers;
      ++generation_;
    }
    wake_.notify_all();
    claim_chunks();
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return pending_helpers_ == 0; });
    body_ = nullptr;
    busy_.store(false);
    return true;
  }

 private:
  void claim_chunks() {
    while (true) {
      const int64_t begin = next_.fetch_add(chunk_);
      if (begin >= count_) return;
      (*body_)(begin, std::min(count_, begin + chunk_));
    }
  }

  void work(int index) {
    uint64_t seen = 0;
    while (true) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (index >= active_helpers_) continue;  // fewer threads wanted for this loop
      }
      claim_chunks();
      {
        std::lock_guard lock(mutex_);
        if (--pending_helpers_ == 0) done_.notify_one();
      }
    }
  }

  std::atomic<bool> busy_{false};  // a caller's loop is running
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  uint64_t generation_ = 0;
  int active_helpers_ = 0;
  int pending_helpers_ = 0;
  const std::function<void(int64_t, int64_t)>* body_ = nullptr;
  int64_t count_ = 0;
  int64_t chunk_ = 1;
  std::atomic<int64_t> next_{0};
};

WorkerPool& pool() {
  static WorkerPool instance;
  return instance;
}

std::atomic<int> chosen_threads{0};  // 0: follow BLAS

}  // namespace

int parallel_threads() {
  const int chosen = chosen_threads.load(std::memory_order_relaxed);
  return std::max(1, chosen > 0 ? chosen : openblas_get_num_threads());
}

void set_parallel_threads(int threads) { chosen_threads.store(std::max(0, threads)); }

void parallel_for(int64_t count, int64_t grain,
                  const std::function<void(int64_t begin, int64_t end)>& body) {
  if (count <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int threads =
      static_cast<int>(std::min<int64_t>(parallel_threads(), (count + grain - 1) / grain));
  if (threads <= 1) {
    body(0, count);
    return;
  }
  // A few chunks per thread balance uneven rows (causal softmax rows grow with query_pos).
  const int64_t chunk = std::max(grain, (count + 4 * threads - 1) / (4 * threads));
  if (!pool().run(threads, count, chunk, body)) body(0, count);
}

}  // namespace attnscope::ops
