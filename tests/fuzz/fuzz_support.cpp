#include "fuzz_support.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace attnscope::fuzz {

std::string as_file(const uint8_t* data, size_t size) {
  static const int fd = ::memfd_create("attnscope-fuzz", 0);
  if (fd < 0) std::abort();
  if (::ftruncate(fd, 0) != 0) std::abort();
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

std::string folder_with(const std::string& name, const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "attnscope-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    return pattern;
  }();
  std::ofstream(dir + "/" + name, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return dir;
}

}  // namespace attnscope::fuzz
