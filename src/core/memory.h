// Memory budgets: how much RAM the machine has, and the human spelling of byte counts used by
// --max-memory ("512M", "8G", "1.5GiB"). The forward pass estimates what a request will keep and
// refuses with a LimitError above the budget instead of being killed by the OOM killer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace attnscope {

// Physical RAM in bytes (sysconf), or 0 when unknown.
uint64_t physical_memory_bytes();
// The default --max-memory: 75% of physical RAM (8 GiB when unknown).
uint64_t default_memory_budget();
// "123", "512K", "512M", "8G", "1.5G", "2GiB", "2GB", "1T" (binary multiples). InputError
// otherwise.
uint64_t parse_byte_size(std::string_view text);
// "1.50 GiB", "12.0 MiB", "512 B".
std::string format_bytes(uint64_t bytes);
// A byte count from a product that may exceed 2^64 (an absurd sequence length, say): computed
// by the caller in long double, clamped here to UINT64_MAX so estimates stay monotonic.
uint64_t saturate_bytes(long double bytes);
// a + b, clamped to UINT64_MAX.
uint64_t add_saturated(uint64_t a, uint64_t b);

// Peak resident set size of this process so far (VmHWM), in bytes; 0 when unknown.
uint64_t peak_rss_bytes();

}  // namespace attnscope
