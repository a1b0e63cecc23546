// What keeps the dashboard's work bounded: a limiter on concurrent analyses (a bounded queue,
// then BusyError) and an LRU cache of results bounded in bytes.
//
//   ConcurrencyLimiter limiter({.running = 2, .waiting = 8});
//   { auto permit = limiter.acquire(); run_forward_pass(); }   // BusyError when full
//
//   ResultCache cache(256 << 20);
//   cache.put("key", std::make_shared<const Result>(...), bytes);
//   auto hit = cache.get<Result>("key");   // nullptr on a miss
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/error.h"

namespace attnscope::server {

// Too many requests at once: HTTP 503 with Retry-After.
class BusyError : public Error {
 public:
  explicit BusyError(const std::string& message) : Error(message) {}
  const char* kind() const noexcept override { return "busy"; }
};

// An unknown model id or path: HTTP 404.
class NotFoundError : public Error {
 public:
  explicit NotFoundError(const std::string& message) : Error(message) {}
  const char* kind() const noexcept override { return "not_found"; }
};

struct LimiterOptions {
  int running = 1;  // analyses at once
  int waiting = 8;  // requests that wait for a turn; more get BusyError at once
  std::chrono::milliseconds max_wait{30000};  // a waiting request gives up (BusyError) after this
};

class ConcurrencyLimiter {
 public:
  explicit ConcurrencyLimiter(LimiterOptions options);

  class Permit {
   public:
    Permit() = default;
    explicit Permit(ConcurrencyLimiter* owner) : owner_(owner) {}
    Permit(Permit&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Permit& operator=(Permit&& other) noexcept;
    ~Permit();

   private:
    ConcurrencyLimiter* owner_ = nullptr;
  };

  // Waits for a turn (FIFO-ish); BusyError when the queue is full or the wait times out.
  Permit acquire();
  int running() const;
  int waiting() const;
  const LimiterOptions& options() const { return options_; }

 private:
  void release();

  LimiterOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable turn_;
  int running_ = 0;
  int waiting_ = 0;
};

// Least-recently-used results, at most `capacity` bytes (as the caller counts them); a value
// larger than the whole cache is not kept. Values are shared, so an evicted result stays valid
// for whoever still holds it. Thread-safe.
class ResultCache {
 public:
  explicit ResultCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

  template <class T>
  std::shared_ptr<const T> get(const std::string& key) {
    return std::static_pointer_cast<const T>(get_any(key));
  }
  void put(const std::string& key, std::shared_ptr<const void> value, size_t bytes);

  size_t bytes() const;
  size_t entries() const;
  size_t capacity() const { return capacity_; }
  size_t hits() const;
  size_t misses() const;

 private:
  std::shared_ptr<const void> get_any(const std::string& key);

  struct Entry {
    std::string key;
    std::shared_ptr<const void> value;
    size_t bytes = 0;
  };
  size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
  size_t hits_ = 0;
  size_t misses_ = 0;
};

}  // namespace attnscope::server
