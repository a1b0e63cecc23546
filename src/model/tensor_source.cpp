#include "model/tensor_source.h"

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

Shape MemoryTensorSource::shape_of(std::string_view name) const { return get(name).tensor.shape(); }
DType MemoryTensorSource::dtype_of(std::string_view name) const { return get(name).stored; }
Tensor MemoryTensorSource::load_f32(std::string_view name) const { return get(name).tensor; }

}  // namespace attnscope
