// safetensors files: a validating reader over mmap (single files and sharded checkpoints) and a
// writer. Format: 8-byte little-endian header length N, N bytes of JSON header
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the data region. Every parser rule is enforced; each violation is a FormatError naming
// the file, the tensor and the rule.
//
//   SafetensorsFile file("model.safetensors");
//   Tensor w = file.load_f32("h.0.attn.c_attn.weight");   // F16/BF16/F32/F64 -> f32
//
//   SafetensorsWriter out;
//   out.add_f32("attentions", probs);                       // or add_f32(name, t, DType::kF16)
//   out.set_metadata("model", "gpt2");
//   out.write("attn.safetensors");                          // atomic: temp file + rename
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/mapped_file.h"
#include "core/tensor.h"

namespace attnscope {

// Limits applied to every file read.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100000000;  // the reference MAX_HEADER_SIZE

struct TensorInfo {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t data_begin;  // byte offsets relative to the start of the data region
  uint64_t data_end;
  int64_t numel() const { return shape_numel(shape); }
};

class SafetensorsFile {
 public:
  // Maps and validates the file. Throws IoError / FormatError.
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return file_.path(); }
  // The file's size in bytes (what mapping it can put in memory at most).
  uint64_t size() const { return file_.size(); }
  // Sorted by name.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // nullptr when absent.
  const TensorInfo* find(std::string_view name) const;
  // Throws ShapeError("tensor 'x' not found in FILE") when absent.
  const TensorInfo& get(std::string_view name) const;
  // The tensor's bytes inside the mapping (no alignment guarantee).
  std::span<const std::byte> raw(const TensorInfo& info) const;
  // Converts a float tensor to f32. UnsupportedError for non-float dtypes.
  Tensor load_f32(std::string_view name) const;
  // Integer tensors (I64, I32, U8, BOOL, ...) widened to int64.
  std::vector<int64_t> load_i64(std::string_view name) const;
  // The "__metadata__" string map (empty when absent).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  MappedFile file_;
  uint64_t data_start_ = 0;  // absolute byte offset of the data region
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A model's weights: one model.safetensors, or shards listed by model.safetensors.index.json
// ({"weight_map": {"tensor": "shard file"}}). Tensor lookup is by name across shards.
class SafetensorsCheckpoint {
 public:
  // `path` is a .safetensors file, an index .json file, or a folder holding either
  // (model.safetensors.index.json preferred, then model.safetensors, then the only *.safetensors).
  // A folder with only pytorch_model.bin gets an error explaining how to convert it.
  // With an index, weight_map is the truth: every shard it lists must exist and hold the tensors
  // it is given; tensors a shard holds but weight_map does not list are not looked up.
  static SafetensorsCheckpoint open(const std::string& path);

  std::vector<std::string> names() const;  // sorted
  const TensorInfo* find(std::string_view name) const;
  const TensorInfo& get(std::string_view name) const;  // ShapeError when missing
  Tensor load_f32(std::string_view name) const;
  std::vector<int64_t> load_i64(std::string_view name) const;
  const SafetensorsFile& file_of(std::string_view name) const;  // ShapeError when missing
  // The path open() was given after folder resolution: the .safetensors or index file.
  const std::string& source() const { return source_; }
  // Bytes of all the files: what the mapped weights occupy in memory at most (weights are read in
  // place, never copied; model/weights.h).
  uint64_t stored_bytes() const;
  // All the files, in a stable order (for reporting dtype and size).
  const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }

 private:
  std::string source_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t, std::less<>> index_;  // tensor name -> files_ index
};

class SafetensorsWriter {
 public:
  // Stores `tensor` converted to `dtype` (F32, F16 or BF16).
  void add_f32(const std::string& name, const Tensor& tensor, DType dtype = DType::kF32);
  // F32: the tensor is kept as it is (moved in, no copy of its values) until written.
  void add_f32(const std::string& name, Tensor&& tensor);
  void add_i64(const std::string& name, const Shape& shape, std::span<const int64_t> values);
  // Raw bytes of any dtype; bytes.size() must equal numel * dtype_size.
  void add_raw(const std::string& name, DType dtype, const Shape& shape,
               std::span<const std::byte> bytes);
  // A tensor whose bytes are produced while write() runs: when the file reaches it (tensors are
  // laid out in name order), `fill` is called with a sink and must pass it exactly
  // numel * dtype_size bytes, in pieces of any size (e.g. one layer at a time as a forward pass
  // computes them), so a file larger than memory is written with none of it held. ShapeError
  // (and no file) when fill passes a different count; an exception from fill leaves no file.
  using ByteSink = std::function<void(std::span<const std::byte>)>;
  void add_streamed(const std::string& name, DType dtype, const Shape& shape,
                    std::function<void(const ByteSink&)> fill);
  void set_metadata(const std::string& key, const std::string& value);
  // Serialises everything (tensors sorted by name, 8-byte aligned header) into bytes.
  std::string serialize() const;
  // Writes atomically (temporary file + rename), streaming each tensor to the file (no second
  // copy of the data in memory). Throws IoError.
  void write(const std::string& path) const;

 private:
  struct Entry {
    DType dtype;
    Shape shape;
    std::string bytes;
    Tensor values;                              // instead of bytes: an f32 tensor moved in
    std::function<void(const ByteSink&)> fill;  // instead of both: bytes produced at write time
    uint64_t size() const;                      // bytes in the file
    std::string_view data() const {
      return values.empty() ? std::string_view(bytes)
                            : std::string_view(reinterpret_cast<const char*>(values.data()),
                                               values.values().size_bytes());
    }
  };
  std::string header() const;  // length prefix + padded JSON header
  // Passes the entry's bytes to `out` (a streamed entry's fill, checked for its count).
  static void emit(const std::string& name, const Entry& entry, const ByteSink& out);
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace attnscope
