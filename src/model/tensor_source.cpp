#include "model/tensor_source.h"

#include <cstdint>

#include "core/error.h"

namespace attnscope {

std::vector<std::string> MemoryTensorSource::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& [name, entry] : tensors_) out.push_back(name);
  return out;
}

bool MemoryTensorSource::contains(std::string_view name) const {
  return tensors_.find(name) != tensors_.end();
}

const MemoryTensorSource::Entry& MemoryTensorSource::get(std::string_view name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) throw ShapeError("tensor '" + std::string(name) + "' not found");
  return it->second;
}

Weight CheckpointSource::load_weight(std::string_view name) const {
  const TensorInfo& info = checkpoint_->get(name);
  const auto bytes = checkpoint_->file_of(name).raw(info);
  const bool readable =
      info.dtype == DType::kF32 || info.dtype == DType::kF16 || info.dtype == DType::kBF16;
  const bool aligned = reinterpret_cast<uintptr_t>(bytes.data()) % dtype_size(info.dtype) == 0;
  if (!readable || !aligned || info.numel() == 0) return Weight(load_f32(name));
  return Weight::in_place(checkpoint_, bytes.data(), info.dtype, info.shape);
}

Shape MemoryTensorSource::shape_of(std::string_view name) const { return get(name).tensor.shape(); }
DType MemoryTensorSource::dtype_of(std::string_view name) const { return get(name).stored; }
Tensor MemoryTensorSource::load_f32(std::string_view name) const { return get(name).tensor; }

}  // namespace attnscope
