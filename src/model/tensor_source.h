// Where an ArchSpec reads tensors from: a safetensors checkpoint on disk, or tensors held in
// memory (tests build random models this way without writing files).
//
//   CheckpointSource source(SafetensorsCheckpoint::open(folder));
//   MemoryTensorSource mem;  mem.add("model.norm.weight", Tensor({64}));
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/tensor.h"
#include "io/safetensors.h"
#include "model/weights.h"

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
  // The tensor for the model to read in place where the source can (CheckpointSource: inside
  // the mapped file, stored dtype, no copy); by default an f32 copy (load_f32).
  virtual Weight load_weight(std::string_view name) const { return Weight(load_f32(name)); }
};

class CheckpointSource : public TensorSource {
 public:
  explicit CheckpointSource(SafetensorsCheckpoint checkpoint)
      : checkpoint_(std::make_shared<const SafetensorsCheckpoint>(std::move(checkpoint))) {}
  std::vector<std::string> names() const override { return checkpoint_->names(); }
  bool contains(std::string_view name) const override { return checkpoint_->find(name) != nullptr; }
  Shape shape_of(std::string_view name) const override { return checkpoint_->get(name).shape; }
  DType dtype_of(std::string_view name) const override { return checkpoint_->get(name).dtype; }
  Tensor load_f32(std::string_view name) const override { return checkpoint_->load_f32(name); }
  // F32, F16 and BF16 tensors (at an address aligned to their element) stay in the mapping:
  // the Weight keeps the checkpoint, and so the mapping, alive. Others are converted.
  Weight load_weight(std::string_view name) const override;
  const SafetensorsCheckpoint& checkpoint() const { return *checkpoint_; }

 private:
  std::shared_ptr<const SafetensorsCheckpoint> checkpoint_;
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
