// The compute tensor: a dense, row-major f32 array with a shape. Everything the forward pass and
// the analyzer compute lives in one of these; stored tensors of other dtypes are converted to f32
// when loaded (see io/safetensors.h).
//
//   Tensor probs({heads, tokens, tokens});   // [head, query_pos, key_pos]
//   probs.at({h, i, j}) = 0.5f;
//   float* row = probs.data() + probs.offset({h, i, 0});
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace attnscope {

using Shape = std::vector<int64_t>;

// Product of the dimensions; throws ShapeError on a negative dimension or on overflow.
int64_t shape_numel(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled.
  explicit Tensor(Shape shape);
  Tensor(Shape shape, std::vector<float> values);  // values.size() must equal the product

  const Shape& shape() const { return shape_; }
  int64_t dim(size_t axis) const { return shape_.at(axis); }
  size_t rank() const { return shape_.size(); }
  int64_t numel() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  std::span<float> values() { return data_; }
  std::span<const float> values() const { return data_; }

  // Row-major element offset of an index (bounds-checked: throws std::out_of_range).
  int64_t offset(std::initializer_list<int64_t> index) const;
  float& at(std::initializer_list<int64_t> index) { return data_[offset(index)]; }
  float at(std::initializer_list<int64_t> index) const { return data_[offset(index)]; }

  // Same data, new shape with the same element count.
  void reshape(Shape shape);
  std::vector<float> release() && { return std::move(data_); }

 private:
  Shape shape_;
  std::vector<float> data_;
};

}  // namespace attnscope
