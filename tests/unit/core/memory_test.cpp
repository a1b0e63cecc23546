#include "core/memory.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace attnscope {
namespace {

TEST(Memory, ParsesSizes) {
  EXPECT_EQ(parse_byte_size("123"), 123u);
  EXPECT_EQ(parse_byte_size("512K"), 512u * 1024);
  EXPECT_EQ(parse_byte_size("512M"), 512ull << 20);
  EXPECT_EQ(parse_byte_size("8G"), 8ull << 30);
  EXPECT_EQ(parse_byte_size("8g"), 8ull << 30);
  EXPECT_EQ(parse_byte_size("2GiB"), 2ull << 30);
  EXPECT_EQ(parse_byte_size("2GB"), 2ull << 30);
  EXPECT_EQ(parse_byte_size("1.5G"), 3ull << 29);
  EXPECT_EQ(parse_byte_size("1T"), 1ull << 40);
}

TEST(Memory, RejectsBadSizes) {
  for (auto bad : {"", "G", "-1G", "8X", "1e3", "8GG", "nan", "99999999999T"}) {
    EXPECT_THROW(parse_byte_size(bad), InputError) << bad;
  }
}

TEST(Memory, FormatsBytes) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(3ull << 29), "1.50 GiB");
  EXPECT_EQ(format_bytes(12ull << 20), "12.0 MiB");
}

TEST(Memory, MachineFacts) {
  EXPECT_GT(physical_memory_bytes(), 0u);
  EXPECT_LE(default_memory_budget(), physical_memory_bytes());
  EXPECT_GT(peak_rss_bytes(), 0u);
}

TEST(Memory, SaturatingArithmetic) {
  EXPECT_EQ(saturate_bytes(12.0L), 12u);
  EXPECT_EQ(saturate_bytes(-1.0L), 0u);
  EXPECT_EQ(saturate_bytes(1e30L), UINT64_MAX);
  EXPECT_EQ(add_saturated(UINT64_MAX - 1, 5), UINT64_MAX);
  EXPECT_EQ(add_saturated(2, 3), 5u);
}

}  // namespace
}  // namespace attnscope
