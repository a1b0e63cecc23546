#include "core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace attnscope {
namespace {

std::string seconds_text(double s) {
  char buffer[32];
  if (s < 60) {
    std::snprintf(buffer, sizeof buffer, "%.1f s", s);
  } else {
    const auto whole = static_cast<long>(s);
    std::snprintf(buffer, sizeof buffer, "%ldm%02lds", whole / 60, whole % 60);
  }
  return buffer;
}

}  // namespace

Progress::Progress(std::string label, int64_t total, std::FILE* out, ProgressOptions options)
    : label_(std::move(label)),
      total_(std::max<int64_t>(total, 0)),
      out_(out),
      enabled_(out != nullptr && (options.force || ::isatty(::fileno(out)) == 1)),
      delay_(options.delay),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { finish(); }

void Progress::advance(int64_t steps) {
  done_ += steps;
  draw(false);
}

void Progress::set_total(int64_t total) { total_ = std::max<int64_t>(total, 0); }

void Progress::set_detail(std::string detail) { detail_ = std::move(detail); }

void Progress::draw(bool force_now) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < delay_) return;
  if (!force_now && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double fraction =
      total_ > 0 ? std::clamp(static_cast<double>(done_) / static_cast<double>(total_), 0.0, 1.0)
                 : 0.0;
  constexpr int kWidth = 20;
  const int filled = static_cast<int>(std::floor(fraction * kWidth));
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '.');
  std::string line =
      label_ + "  [" + bar + "] " + std::to_string(static_cast<int>(fraction * 100)) + "%";
  if (!detail_.empty()) line += "  " + detail_;
  line += "  " + seconds_text(elapsed);
  if (fraction > 0 && fraction < 1) {
    line += ", about " + seconds_text(elapsed * (1 - fraction) / fraction) + " left";
  }
  // \r and clear to the end of the line: each redraw replaces the last.
  std::fprintf(out_, "\r%s\x1b[K", line.c_str());
  std::fflush(out_);
}

void Progress::finish() {
  if (enabled_ && drawn_) {
    std::fprintf(out_, "\r\x1b[K");
    std::fflush(out_);
  }
  enabled_ = false;
}

}  // namespace attnscope
