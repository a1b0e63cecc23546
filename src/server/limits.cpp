#include "server/limits.h"

namespace attnscope::server {

ConcurrencyLimiter::ConcurrencyLimiter(LimiterOptions options) : options_(options) {
  if (options_.running < 1) options_.running = 1;
  if (options_.waiting < 0) options_.waiting = 0;
}

ConcurrencyLimiter::Permit& ConcurrencyLimiter::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->release();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

ConcurrencyLimiter::Permit::~Permit() {
  if (owner_ != nullptr) owner_->release();
}

ConcurrencyLimiter::Permit ConcurrencyLimiter::acquire() {
  std::unique_lock lock(mutex_);
  if (running_ < options_.running) {
    ++running_;
    return Permit(this);
  }
  const std::string busy = "the server is busy (" + std::to_string(options_.running) +
                           " analyses running, " + std::to_string(waiting_) +
                           " waiting); try again shortly";
  if (waiting_ >= options_.waiting) throw BusyError(busy);
  ++waiting_;
  const bool got =
      turn_.wait_for(lock, options_.max_wait, [this] { return running_ < options_.running; });
  --waiting_;
  if (!got) throw BusyError(busy);
  ++running_;
  return Permit(this);
}

void ConcurrencyLimiter::release() {
  {
    std::lock_guard lock(mutex_);
    --running_;
  }
  turn_.notify_one();
}

int ConcurrencyLimiter::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

int ConcurrencyLimiter::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

std::shared_ptr<const void> ResultCache::get_any(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->value;
}

void ResultCache::put(const std::string& key, std::shared_ptr<const void> value, size_t bytes) {
  bytes += key.size() + 64;  // the key and the bookkeeping count too
  std::lock_guard lock(mutex_);
  if (const auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    order_.erase(it->second);
    index_.erase(it);
  }
  if (bytes > capacity_) return;
  while (bytes_ + bytes > capacity_ && !order_.empty()) {
    bytes_ -= order_.back().bytes;
    index_.erase(order_.back().key);
    order_.pop_back();
  }
  order_.push_front({key, std::move(value), bytes});
  index_[key] = order_.begin();
  bytes_ += bytes;
}

size_t ResultCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}
size_t ResultCache::entries() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}
size_t ResultCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}
size_t ResultCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace attnscope::server
