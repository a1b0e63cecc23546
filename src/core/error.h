// Typed errors for the whole library. Library code throws these; only the CLI (exit code and a
// one-line message) and the server (HTTP status with JSON {error, kind}) catch them. Messages say
// what, where, expected and got, e.g.
//   tensor 'model.layers.3.self_attn.k_proj.weight' has wrong shape; expected [256, 64], got [64,
//   64]
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  // Short machine-readable name of the error class ("io", "format", ...), used in JSON errors.
  virtual const char* kind() const noexcept { return "error"; }
};

// A file could not be opened, read, mapped or written.
class IoError : public Error {
 public:
  IoError(const std::string& path, const std::string& what);
  const char* kind() const noexcept override { return "io"; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A file's content breaks its format. `offset` is a byte offset when one is meaningful, else -1.
class FormatError : public Error {
 public:
  FormatError(const std::string& file, const std::string& what, int64_t offset = -1);
  const char* kind() const noexcept override { return "format"; }
  const std::string& file() const { return file_; }
  int64_t offset() const { return offset_; }

 private:
  std::string file_;
  int64_t offset_;
};

// Valid input that attnscope does not handle (an unknown architecture, a dtype, ...).
class UnsupportedError : public Error {
 public:
  explicit UnsupportedError(const std::string& message) : Error(message) {}
  const char* kind() const noexcept override { return "unsupported"; }
};

// A tensor is missing or has the wrong shape.
class ShapeError : public Error {
 public:
  // Missing tensor.
  explicit ShapeError(const std::string& message) : Error(message) {}
  ShapeError(const std::string& tensor, const std::vector<int64_t>& expected,
             const std::vector<int64_t>& got);
  const char* kind() const noexcept override { return "shape"; }
};

// A configuration value is missing or invalid. `key` is the Hugging Face field name.
class ConfigError : public Error {
 public:
  ConfigError(const std::string& key, const std::string& what);
  const char* kind() const noexcept override { return "config"; }
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// The user's input (text, ids, options) is invalid.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message) {}
  const char* kind() const noexcept override { return "input"; }
};

// A request would exceed a resource budget (memory, sequence length, ...).
class LimitError : public Error {
 public:
  explicit LimitError(const std::string& message) : Error(message) {}
  const char* kind() const noexcept override { return "limit"; }
};

// Numbers stopped being finite: NaN/Inf weights, or a forward pass whose attention scores
// overflowed. Messages name the layer and head (and the weight tensor when one is to blame).
class NumericError : public Error {
 public:
  explicit NumericError(const std::string& message) : Error(message) {}
  const char* kind() const noexcept override { return "numeric"; }
};

// "[2, 3, 4]"
std::string format_shape(const std::vector<int64_t>& shape);

}  // namespace attnscope
