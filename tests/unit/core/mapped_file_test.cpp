#include "core/mapped_file.h"

#include <gtest/gtest.h>

#include <filesystem>

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
