#include "core/error.h"

namespace attnscope {

std::string format_shape(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

IoError::IoError(const std::string& path, const std::string& what)
    : Error(path + ": " + what), path_(path) {}

static std::string format_message(const std::string& file, const std::string& what,
                                  int64_t offset) {
  std::string out = file + ": " + what;
  if (offset >= 0) out += " (at byte " + std::to_string(offset) + ")";
  return out;
}

FormatError::FormatError(const std::string& file, const std::string& what, int64_t offset)
    : Error(format_message(file, what, offset)), file_(file), offset_(offset) {}

ShapeError::ShapeError(const std::string& tensor, const std::vector<int64_t>& expected,
                       const std::vector<int64_t>& got)
    : Error("tensor '" + tensor + "' has wrong shape; expected " + format_shape(expected) +
            ", got " + format_shape(got)) {}

ConfigError::ConfigError(const std::string& key, const std::string& what)
    : Error("config '" + key + "': " + what), key_(key) {}

}  // namespace attnscope
