// Where an ArchSpec reads tensors from: a safetensors checkpoint on disk, or tensors held in
// memory (tests build random models this way without writing files).
//
//   CheckpointSource source(SafetensorsCheckpoint::open(folder));
//   MemoryTensorSource mem;  mem.add("model.norm.weight", Tensor({64}));
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/tensor.h"
#include "io/safetensors.h"

namespace attnscope {

class TensorSource {
 public:
  virtual ~TensorSource() = default;
  virtual std::vector<std::string> names() const = 0;  // sorted
  virtual bool contains(std::string_view name) const = 0;
  // Shape and stored dtype; the tensor must exist.
  virtual Shape shape_of(std::string_view name) const = 0;
  virtual DType dtype_of(std::string_view name) const = 0;
  // Converted to f32 (F16/BF16/F64 included).
  virtual Tensor load_f32(std::string_view name) const = 0;
};

class CheckpointSource : public TensorSource {
 public:
  explicit CheckpointSource(SafetensorsCheckpoint checkpoint)
      : checkpoint_(std::move(checkpoint)) {}
  std::vector<std::string> names() const override { return checkpoint_.names(); }
  bool contains(std::string_view name) const override { return checkpoint_.find(name) != nullptr; }
  Shape shape_of(std::string_view name) const override { return checkpoint_.get(name).shape; }
  DType dtype_of(std::string_view name) const override { return checkpoint_.get(name).dtype; }
  Tensor load_f32(std::string_view name) const override { return checkpoint_.load_f32(name); }

 private:
  SafetensorsCheckpoint checkpoint_;
};

class MemoryTensorSource : public TensorSource {
 public:
  void add(const std::string& name, Tensor tensor, DType stored = DType::kF32) {
    tensors_[name] = {std::move(tensor), stored};
  }
  void remove(const std::string& name) { tensors_.erase(name); }
  std::vector<std::string> names() const override;
  bool contains(std::string_view name) const override;
  Shape shape_of(std::string_view name) const override;
  DType dtype_of(std::string_view name) const override;
  Tensor load_f32(std::string_view name) const override;

 private:
  struct Entry {
    Tensor tensor;
    DType stored;
  };
  const Entry& get(std::string_view name) const;
  std::map<std::string, Entry, std::less<>> tensors_;
};

}  // namespace attnscope
