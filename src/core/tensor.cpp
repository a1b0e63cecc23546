#include "core/tensor.h"

#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/error.h"

namespace attnscope {

int64_t shape_numel(const Shape& shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ShapeError("negative dimension in shape " + format_shape(shape));
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / d) {
      throw ShapeError("shape " + format_shape(shape) + " has too many elements");
    }
    count *= d;
  }
  return count;
}

Tensor::Tensor(Shape shape) : shape_(std::move(shape)), data_(shape_numel(shape_), 0.0f) {}

Tensor::Tensor(Shape shape, std::vector<float> values)
    : shape_(std::move(shape)), data_(std::move(values)) {
  if (shape_numel(shape_) != static_cast<int64_t>(data_.size())) {
    throw ShapeError("tensor of shape " + format_shape(shape_) + " given " +
                     std::to_string(data_.size()) + " values");
  }
}

int64_t Tensor::offset(std::initializer_list<int64_t> index) const {
  if (index.size() != shape_.size()) {
    throw std::out_of_range("index rank " + std::to_string(index.size()) + " != tensor rank " +
                            std::to_string(shape_.size()));
  }
  int64_t off = 0;
  size_t axis = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= shape_[axis]) {
      throw std::out_of_range("index " + std::to_string(i) + " out of range for axis " +
                              std::to_string(axis) + " of shape " + format_shape(shape_));
    }
    off = off * shape_[axis] + i;
    ++axis;
  }
  return off;
}

void Tensor::reshape(Shape shape) {
  if (shape_numel(shape) != numel()) {
    throw ShapeError("cannot reshape " + format_shape(shape_) + " to " + format_shape(shape));
  }
  shape_ = std::move(shape);
}

}  // namespace attnscope
