// A read-only memory-mapped file. Weight files are mapped, not read, so opening a multi-GB
// checkpoint costs nothing until tensors are touched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/limits.h"

struct stat;

namespace attnscope {

class MappedFile {
 public:
  // Throws IoError when the file cannot be opened or mapped.
  explicit MappedFile(std::string path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  size_t size() const { return size_; }
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::byte* data() const { return data_; }

 private:
  void unmap() noexcept;

  std::string path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// Brings the pages of [data, data + bytes) of a mapping into memory now (read from the page
// cache, or from disk when they are not cached): MADV_POPULATE_READ, or a read of each page on
// kernels without it. Best effort: a range that cannot be populated is left to page faults.
void prefault_read(const void* data, size_t bytes);

// Opens `path` read-only without blocking and checks on the opened descriptor that it is a
// regular file: a folder, FIFO, device or socket gets an IoError saying which it is (so
// /dev/zero or a named pipe is refused instead of being read forever). Returns the descriptor
// (the caller closes it) and fills `st`.
int open_regular_file(const std::string& path, struct stat* st);

// Reads a whole regular file into a string (open_regular_file's checks). IoError; LimitError
// when the file is larger than `max_bytes`.
std::string read_file(const std::string& path, uint64_t max_bytes = limits::kMaxTextFileBytes);

// Writes `contents` to `path` atomically: a temporary file in the same folder, then rename, so a
// failure never leaves a half-written file where the user's file was. Throws IoError.
void write_file_atomic(const std::string& path, std::string_view contents);

}  // namespace attnscope
