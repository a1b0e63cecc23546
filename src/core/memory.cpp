#include "core/memory.h"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "core/error.h"

namespace attnscope {

uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

uint64_t default_memory_budget() {
  const uint64_t total = physical_memory_bytes();
  if (total == 0) return 8ull << 30;
  return total / 4 * 3;
}

uint64_t parse_byte_size(std::string_view text) {
  const std::string original(text);
  auto fail = [&]() -> InputError {
    return InputError("invalid memory size '" + original +
                      "'; expected a number with an optional unit K, M, G or T (e.g. 512M, 8G)");
  };
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) throw fail();
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || ptr != text.data() + digits || !std::isfinite(value) || value < 0) {
    throw fail();
  }
  std::string unit(text.substr(digits));
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB"))
    unit.resize(unit.size() - 2);
  else if (unit.size() == 2 && unit.back() == 'B')
    unit.resize(1);
  else if (unit == "B")
    unit.clear();
  double multiplier = 1;
  if (unit.empty())
    multiplier = 1;
  else if (unit == "K")
    multiplier = 1024.0;
  else if (unit == "M")
    multiplier = 1024.0 * 1024;
  else if (unit == "G")
    multiplier = 1024.0 * 1024 * 1024;
  else if (unit == "T")
    multiplier = 1024.0 * 1024 * 1024 * 1024;
  else
    throw fail();
  const double bytes = value * multiplier;
  if (bytes >= 1.8e19) throw fail();
  return static_cast<uint64_t>(bytes);
}

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  if (unit == 0)
    std::snprintf(buffer, sizeof(buffer), "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buffer, sizeof(buffer), value < 10 ? "%.2f %s" : "%.1f %s", value, kUnits[unit]);
  return buffer;
}

uint64_t saturate_bytes(long double bytes) {
  constexpr auto kMax = static_cast<long double>(UINT64_MAX);
  if (!(bytes > 0)) return 0;
  return bytes >= kMax ? UINT64_MAX : static_cast<uint64_t>(bytes);
}

uint64_t add_saturated(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      unsigned long long kib = 0;
      if (std::sscanf(line.c_str(), "VmHWM: %llu", &kib) == 1) return kib * 1024;
    }
  }
  return 0;
}

}  // namespace attnscope
