// Hand-built GGUF bytes for the malformed-file tests: every field is written as given, so a test
// can put any value (a count of 2^64-1, 5 dimensions, an unknown type) exactly where the reader
// looks for it.
//
//   GgufBuilder b;
//   b.header(3, /*n_tensors=*/1, /*n_kv=*/1).kv_string("general.architecture", "llama");
//   b.tensor("w", {32}, /*F32*/ 0, 0).pad(32).zeros(128);
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

namespace attnscope::testing {

class GgufBuilder {
 public:
  GgufBuilder& raw(std::string_view s) {
    bytes_ += s;
    return *this;
  }
  GgufBuilder& u8(uint8_t v) {
    bytes_.push_back(static_cast<char>(v));
    return *this;
  }
  GgufBuilder& u32(uint32_t v) { return le(v, 4); }
  GgufBuilder& u64(uint64_t v) { return le(v, 8); }
  GgufBuilder& f32(float f) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    return u32(b);
  }
  GgufBuilder& str(std::string_view s) { return u64(s.size()).raw(s); }

  GgufBuilder& header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    return raw("GGUF").u32(version).u64(n_tensors).u64(n_kv);
  }
  GgufBuilder& kv_u32(std::string_view key, uint32_t v) { return str(key).u32(4).u32(v); }
  GgufBuilder& kv_i32(std::string_view key, int32_t v) {
    return str(key).u32(5).u32(static_cast<uint32_t>(v));
  }
  GgufBuilder& kv_f32(std::string_view key, float v) { return str(key).u32(6).f32(v); }
  GgufBuilder& kv_bool(std::string_view key, bool v) { return str(key).u32(7).u8(v ? 1 : 0); }
  GgufBuilder& kv_string(std::string_view key, std::string_view v) {
    return str(key).u32(8).str(v);
  }
  GgufBuilder& tensor(std::string_view name, std::initializer_list<uint64_t> ne, uint32_t type,
                      uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) u64(d);
    return u32(type).u64(offset);
  }
  GgufBuilder& pad(size_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back('\0');
    return *this;
  }
  GgufBuilder& zeros(size_t n) {
    bytes_.append(n, '\0');
    return *this;
  }
  const std::string& bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }

 private:
  GgufBuilder& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  std::string bytes_;
};

// A small valid file: 3 metadata keys (architecture, alignment 32, a FLOAT32 array), an F32
// tensor "a" [32] at 0 and a Q8_0 tensor "b" [64, 2] (4 blocks, 136 bytes) at 128.
inline std::string valid_gguf() {
  GgufBuilder b;
  b.header(3, 2, 3).kv_string("general.architecture", "llama").kv_u32("general.alignment", 32);
  b.str("tokenizer.ggml.scores").u32(9).u32(6).u64(2).f32(0.5f).f32(-1.0f);
  b.tensor("a", {32}, 0, 0).tensor("b", {64, 2}, 8, 128).pad(32);
  b.zeros(128 + 136);
  return b.bytes();
}

}  // namespace attnscope::testing
