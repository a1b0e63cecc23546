// A progress line on stderr for long runs (analyze --input, attention, probe): nothing when
// stderr is not a terminal (logs and pipes stay clean), nothing during the first second (short
// runs stay silent), then at most ten redraws a second of
//   analyze  [########............]  40%  8/20 texts  12.1 s, about 18 s left
// and the line is cleared when the run ends. Steps are the caller's unit of work (layers of
// forward passes, say); `detail` names what a person counts ("8/20 texts").
//
//   Progress progress("analyze", texts * layers);
//   for (...) { ...; progress.advance(); progress.set_detail(std::to_string(k) + "/20 texts"); }
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace attnscope {

struct ProgressOptions {
  // Draw even when `out` is not a terminal (tests), and after this delay instead of 1 s.
  bool force = false;
  std::chrono::milliseconds delay{1000};
};

class Progress {
 public:
  Progress(std::string label, int64_t total, std::FILE* out = stderr, ProgressOptions options = {});
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(int64_t steps = 1);
  void set_total(int64_t total);
  void set_detail(std::string detail);
  // Clears the line (when one was drawn); later calls draw nothing.
  void finish();
  bool enabled() const { return enabled_; }

 private:
  void draw(bool force_now);

  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  std::string detail_;
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::milliseconds delay_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace attnscope
