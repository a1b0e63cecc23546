#include "core/limits.h"

#include "core/error.h"

namespace attnscope {

namespace {
[[noreturn]] void over(std::string_view what, const std::string& value, const std::string& limit) {
  throw LimitError(std::string(what) + " is " + value + "; the limit is " + limit);
}
}  // namespace

void check_limit(std::string_view what, int64_t value, int64_t limit) {
  if (value > limit) over(what, std::to_string(value), std::to_string(limit));
}

void check_limit(std::string_view what, uint64_t value, uint64_t limit) {
  if (value > limit) over(what, std::to_string(value), std::to_string(limit));
}

int64_t checked_mul(int64_t a, int64_t b, std::string_view what) {
  int64_t out = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &out)) {
    throw LimitError(std::string(what) + ": " + std::to_string(a) + " x " + std::to_string(b) +
                     " does not fit in 64 bits");
  }
  return out;
}

int64_t checked_add(int64_t a, int64_t b, std::string_view what) {
  int64_t out = 0;
  if (a < 0 || b < 0 || __builtin_add_overflow(a, b, &out)) {
    throw LimitError(std::string(what) + ": " + std::to_string(a) + " + " + std::to_string(b) +
                     " does not fit in 64 bits");
  }
  return out;
}

}  // namespace attnscope
