// GGUF files (llama.cpp's format, version 3): a strict reader over mmap. Layout: magic "GGUF",
// u32 version, u64 tensor count, u64 metadata count, the metadata (key string, u32 value type,
// value; arrays are u32 element type + u64 count + elements, nested arrays allowed), the tensor
// infos (name, u32 n_dims, i64 ne[n_dims] fastest-first, u32 ggml type, u64 offset), padding to
// `general.alignment` (default 32), then the data section. Strings are u64 length + bytes.
//
// Everything is validated before anything is allocated for it, with checked arithmetic (the
// classes of RELIABILITY.md section 2, GG-1..GG-5): counts and string lengths against the bytes
// left, known value and tensor types, unique non-empty keys, `general.alignment` a UINT32 power of
// two, at most 4 dimensions, no negative dimension, element counts and byte sizes without
// overflow, `ne[0]` a whole number of blocks, unique tensor names shorter than 64 bytes, offsets
// aligned and inside the data section, no two tensors overlapping. Each violation is a
// FormatError naming the file, the byte offset, the key or tensor, and the rule; versions 1 and
// 2 are an UnsupportedError.
//
//   GgufFile file("model-q4_k.gguf");
//   std::string arch = file.get_string("general.architecture").value_or("?");
//   const GgufTensorInfo& w = file.tensor("blk.0.attn_q.weight");
//   std::vector<float> rows(2 * w.row_length());
//   file.dequantize_rows(w, 0, 2, rows.data());   // rows 0 and 1, as ggml dequantizes them
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor.h"
#include "ops/ggml_quant.h"

namespace attnscope {

// Caps (besides "no more than the bytes left"): far above any real file.
inline constexpr uint64_t kMaxGgufStringBytes = 64ull << 20;  // one metadata string
inline constexpr uint64_t kMaxGgufKeyBytes = 1ull << 16;      // one metadata key
inline constexpr uint64_t kMaxGgufCount = 1ull << 30;         // array elements, kv, tensors
inline constexpr int kMaxGgufArrayDepth = 4;                  // array nesting
inline constexpr uint64_t kMaxGgufTensorNameBytes = 63;       // ggml's GGML_MAX_NAME - 1
inline constexpr int kMaxGgufDims = 4;
inline constexpr uint64_t kMaxGgufAlignment = 1ull << 20;
inline constexpr uint32_t kGgufDefaultAlignment = 32;

enum class GgufValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// "UINT32", "ARRAY", ...
std::string_view gguf_value_type_name(GgufValueType type);

// One metadata value. Strings and numeric array contents point into the mapping (valid while
// the GgufFile lives).
struct GgufValue {
  GgufValueType type = GgufValueType::kUint8;
  GgufValueType element_type = GgufValueType::kUint8;  // arrays only
  uint64_t bits = 0;                      // scalars: the little-endian value, zero-extended
  std::string_view text;                  // kString
  uint64_t count = 0;                     // arrays: number of elements
  const std::byte* raw = nullptr;         // numeric arrays: count * element size bytes
  std::vector<std::string_view> strings;  // arrays of strings
  std::vector<GgufValue> items;           // arrays of arrays

  bool is_integer() const;
  bool is_float() const;
  // Type spelled for messages: "UINT32", "ARRAY[STRING]".
  std::string type_label() const;
  // Short human-readable rendering (arrays abbreviated after `max_items`).
  std::string to_display(size_t max_items = 8) const;
};

struct GgufTensorInfo {
  std::string name;
  GgmlType type = GgmlType::kF32;
  std::vector<int64_t> ne;  // ggml order: ne[0] is the row length (fastest)
  uint64_t offset = 0;      // relative to the data section
  uint64_t nbytes = 0;
  int64_t numel = 0;

  // The same dimensions in numpy/safetensors order (slowest first).
  Shape shape() const;
  int64_t row_length() const { return ne.empty() ? 1 : ne[0]; }
  int64_t rows() const { return row_length() == 0 ? 0 : numel / row_length(); }
  uint64_t row_bytes() const;
};

class GgufFile {
 public:
  // Maps and validates the file. IoError / FormatError / UnsupportedError (version 1 or 2).
  explicit GgufFile(const std::string& path);

  const std::string& path() const { return file_.path(); }
  uint32_t version() const { return version_; }
  uint64_t file_size() const { return file_.size(); }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // absolute start of the data section

  // Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;

  // Typed access (GG-5): nullopt when the key is absent; FormatError naming the key, the
  // expected and the stored type when the type is wrong. Integers accept any integer type whose
  // value fits int64; floats accept FLOAT32/FLOAT64 only.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::vector<std::string_view>> get_string_array(std::string_view key) const;
  // Elements must be FLOAT32 (an INT8 array of scores is a type error, not a reinterpretation).
  std::optional<std::vector<float>> get_f32_array(std::string_view key) const;
  // Elements of any integer type.
  std::optional<std::vector<int64_t>> get_int_array(std::string_view key) const;

  // Tensor infos in file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;
  // ShapeError when absent.
  const GgufTensorInfo& tensor(std::string_view name) const;
  // The tensor's bytes inside the mapping.
  std::span<const std::byte> tensor_data(const GgufTensorInfo& info) const;
  // Dequantizes rows [row_begin, row_begin + rows) (rows of ne[0] values) into `dst`
  // (rows * ne[0] floats). UnsupportedError naming the tensor and its type when the type cannot be
  // dequantized; InputError for a row range outside the tensor.
  void dequantize_rows(const GgufTensorInfo& info, int64_t row_begin, int64_t rows,
                       float* dst) const;
  // The whole tensor as f32 in numpy order (for small tensors and tests).
  Tensor load_f32(std::string_view name) const;

 private:
  MappedFile file_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::map<std::string, size_t, std::less<>> key_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

// True when `path` ends in ".gguf" (any case; the reader then says what is wrong with it) or is a
// regular file starting with the GGUF magic (never blocks: FIFOs and devices are false).
bool looks_like_gguf(const std::string& path);

}  // namespace attnscope
