#include "core/mapped_file.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/error.h"

namespace attnscope {
namespace {

TEST(MappedFile, MapsWrittenBytes) {
  const auto path = std::filesystem::temp_directory_path() / "attnscope_mapped_file_test.bin";
  write_file_atomic(path.string(), "hello");
  MappedFile file(path.string());
  ASSERT_EQ(file.size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(file.data()), 5), "hello");
  EXPECT_EQ(read_file(path.string()), "hello");
  std::filesystem::remove(path);
}

// /proc files report size 0 but have contents: read to the end, under the same limit.
TEST(MappedFile, ReadFileReadsPastAReportedSizeOfZero) {
  const std::string status = read_file("/proc/self/status");
  EXPECT_NE(status.find("Name:"), std::string::npos) << status.substr(0, 200);
  EXPECT_THROW(read_file("/proc/self/status", 16), LimitError);
  const auto path = std::filesystem::temp_directory_path() / "attnscope_read_limit.bin";
  write_file_atomic(path.string(), std::string(10000, 'x'));
  EXPECT_EQ(read_file(path.string(), 10000).size(), 10000u);
  EXPECT_THROW(read_file(path.string(), 9999), LimitError);
  std::filesystem::remove(path);
}

// prefault_read brings a mapped range into memory: pages evicted from the page cache are
// resident after it (mincore), read from the file.
TEST(MappedFile, PrefaultReadBringsEvictedPagesIn) {
  const auto path = std::filesystem::temp_directory_path() / "attnscope_prefault.bin";
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  write_file_atomic(path.string(), std::string(64 * page, 'x'));
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
  MappedFile file(path.string());
  // mincore's residency bit of each of the 64 pages.
  const auto resident = [&] {
    std::vector<unsigned char> pages(64);
    EXPECT_EQ(::mincore(const_cast<std::byte*>(file.data()), file.size(), pages.data()), 0);
    std::vector<bool> in(64);
    for (size_t k = 0; k < 64; ++k) in[k] = (pages[k] & 1) != 0;
    return in;
  };
  const std::vector<bool> before = resident();
  if (std::count(before.begin(), before.end(), true) == 64) {
    GTEST_SKIP() << "the file system kept the pages cached (tmpfs?)";
  }
  prefault_read(file.data() + page + 10, 10 * page);  // bytes in pages 1..11
  std::vector<bool> after = resident();
  for (size_t k = 1; k <= 11; ++k) EXPECT_TRUE(after[k]) << "page " << k;
  prefault_read(file.data(), file.size());
  after = resident();
  EXPECT_EQ(std::count(after.begin(), after.end(), true), 64);
  EXPECT_EQ(static_cast<char>(file.data()[63 * page]), 'x');
  prefault_read(nullptr, 0);  // nothing to do
  std::filesystem::remove(path);
}

TEST(MappedFile, MissingFileIsIoError) {
  try {
    MappedFile file("/nonexistent/attnscope/x.bin");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/attnscope/x.bin"), std::string::npos);
  }
}

TEST(MappedFile, EmptyFileMapsToNothing) {
  const auto path = std::filesystem::temp_directory_path() / "attnscope_mapped_empty.bin";
  write_file_atomic(path.string(), "");
  MappedFile file(path.string());
  EXPECT_EQ(file.size(), 0u);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace attnscope
