#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <utility>

#include "core/error.h"
#include "core/limits.h"

namespace attnscope {

MappedFile::MappedFile(std::string path) : path_(std::move(path)) {
  struct stat st {};
  const int fd = open_regular_file(path_, &st);
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw IoError(path_, std::string("cannot map: ") + std::strerror(err));
    }
    data_ = static_cast<const std::byte*>(mapped);
  }
  ::close(fd);
}

MappedFile::~MappedFile() { unmap(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void MappedFile::unmap() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

void prefault_read(const void* data, size_t bytes) {
  if (data == nullptr || bytes == 0) return;
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
  const auto end = reinterpret_cast<uintptr_t>(data) + bytes;
#ifndef MADV_POPULATE_READ
  constexpr int MADV_POPULATE_READ = 22;  // Linux 5.14
#endif
  if (::madvise(reinterpret_cast<void*>(first), end - first, MADV_POPULATE_READ) == 0) return;
  if (errno != EINVAL) return;  // e.g. EFAULT/EIO: leave it to the page faults
  // An older kernel: read one byte of each page (volatile: the reads must happen).
  for (uintptr_t p = first; p < end; p += page) {
    (void)*reinterpret_cast<const volatile unsigned char*>(
        std::max(p, reinterpret_cast<uintptr_t>(data)));
  }
}

int open_regular_file(const std::string& path, struct stat* st) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) throw IoError(path, "cannot open: a symbolic link loop");
    if (err == ENOENT) throw IoError(path, "does not exist");
    throw IoError(path, std::string("cannot open: ") + std::strerror(err));
  }
  if (::fstat(fd, st) != 0) {
    const int err = errno;
    ::close(fd);
    throw IoError(path, std::string("cannot stat: ") + std::strerror(err));
  }
  if (!S_ISREG(st->st_mode)) {
    ::close(fd);
    const char* what = S_ISDIR(st->st_mode)    ? "is a folder"
                       : S_ISFIFO(st->st_mode) ? "is a pipe (FIFO)"
                       : S_ISCHR(st->st_mode)  ? "is a character device"
                       : S_ISBLK(st->st_mode)  ? "is a block device"
                       : S_ISSOCK(st->st_mode) ? "is a socket"
                                               : "is a special file";
    throw IoError(path, std::string(what) + ", not a regular file");
  }
  return fd;
}

std::string read_file(const std::string& path, uint64_t max_bytes) {
  struct stat st {};
  const int fd = open_regular_file(path, &st);
  const auto over_limit = [&](const std::string& size_text) {
    ::close(fd);
    return LimitError(path + ": file is " + size_text + " bytes; the limit is " +
                      std::to_string(max_bytes));
  };
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) throw over_limit(std::to_string(size));
  // Read to the end, not to st_size: a file may grow while it is read, and some (/proc, /sys)
  // report size 0 yet have contents. The buffer never grows past max_bytes + 1.
  const uint64_t cap = max_bytes == UINT64_MAX ? max_bytes : max_bytes + 1;
  std::string out(static_cast<size_t>(size), '\0');
  size_t done = 0;
  for (;;) {
    if (done == out.size()) {
      if (done > max_bytes) throw over_limit("over " + std::to_string(max_bytes));
      const uint64_t grown = std::max<uint64_t>(uint64_t{done} + 4096, uint64_t{done} * 2);
      out.resize(static_cast<size_t>(std::min(grown, cap)));
    }
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw IoError(path, std::string("read failed: ") + std::strerror(err));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  if (done > max_bytes) throw over_limit("over " + std::to_string(max_bytes));
  ::close(fd);
  out.resize(done);
  return out;
}

void write_file_atomic(const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(path, std::string("cannot create: ") + std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      ::unlink(tmp.c_str());
      throw IoError(path, "write failed (disk full?)");
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw IoError(path, std::string("cannot rename into place: ") + std::strerror(err));
  }
}

}  // namespace attnscope
