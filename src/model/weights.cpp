#include "model/weights.h"

#include <cmath>
#include <cstddef>
#include <cstring>

#include "core/error.h"

namespace attnscope {

Weight::Weight(Tensor tensor) {
  if (tensor.empty()) return;  // recording mode, absent optional tensors
  shape_ = tensor.shape();
  auto owned = std::make_shared<const Tensor>(std::move(tensor));
  const int64_t rows = shape_.size() >= 2 ? shape_[0] : 1;
  parts_.push_back({rows, owned->data()});
  owners_.push_back(std::move(owned));
}

Weight Weight::in_place(std::shared_ptr<const void> owner, const void* data, DType dtype,
                        Shape shape) {
  Weight w;
  if (shape_numel(shape) == 0) return w;
  w.shape_ = std::move(shape);
  w.dtype_ = dtype;
  w.view_ = true;
  w.parts_.push_back({w.shape_.size() >= 2 ? w.shape_[0] : 1, data});
  w.owners_.push_back(std::move(owner));
  return w;
}

Weight Weight::in_place_ggml(std::shared_ptr<const void> owner, const void* data, GgmlType type,
                             Shape shape) {
  switch (type) {  // the plain float types read through the kernels' fast paths
    case GgmlType::kF32:
      return in_place(std::move(owner), data, DType::kF32, std::move(shape));
    case GgmlType::kF16:
      return in_place(std::move(owner), data, DType::kF16, std::move(shape));
    case GgmlType::kBF16:
      return in_place(std::move(owner), data, DType::kBF16, std::move(shape));
    default:
      break;
  }
  const GgmlTypeTraits& traits = ggml_type_traits(type);
  if (!traits.dequantizable) {
    throw UnsupportedError("attnscope cannot dequantize ggml type " + std::string(traits.name));
  }
  Weight w = in_place(std::move(owner), data, DType::kF32, std::move(shape));
  if (w.empty()) return w;
  const int64_t cols = w.shape_.size() >= 2 ? w.shape_.back() : w.numel();
  if (w.shape_.size() > 2 || cols % traits.block_size != 0) {
    throw ShapeError("a " + std::string(traits.name) + " weight of shape " +
                     format_shape(w.shape_) + " is not rows of whole blocks of " +
                     std::to_string(traits.block_size));
  }
  w.blocks_ = true;
  w.parts_[0].type = type;
  return w;
}

const float* Weight::f32_data() const {
  if (blocks_ || dtype_ != DType::kF32 || in_out_ || parts_.size() != 1 || parts_[0].stride != 1)
    return nullptr;
  return static_cast<const float*>(parts_[0].data);
}

ops::WeightView Weight::view() const {
  if (shape_.size() != 2) {
    throw ShapeError("a weight matrix was expected; got shape " + format_shape(shape_));
  }
  return {.dtype = dtype_,
          .in_out = in_out_,
          .out = shape_[0],
          .in = shape_[1],
          .parts = parts_,
          .blocks = blocks_};
}

namespace {

GgmlType ggml_float_type(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return GgmlType::kF32;
    case DType::kF16:
      return GgmlType::kF16;
    case DType::kBF16:
      return GgmlType::kBF16;
    default:
      throw UnsupportedError("a weight of dtype " + std::string(dtype_name(dtype)) +
                             " cannot be stacked with quantized weights");
  }
}

float element(DType dtype, const void* base, int64_t index) {
  const auto* p =
      static_cast<const std::byte*>(base) + index * static_cast<int64_t>(dtype_size(dtype));
  float out;
  convert_to_f32(dtype, p, 1, &out);
  return out;
}

}  // namespace

float Weight::at(std::initializer_list<int64_t> index) const {
  if (index.size() != shape_.size() || shape_.empty() || shape_.size() > 2) {
    throw std::out_of_range("Weight::at: index rank " + std::to_string(index.size()) +
                            " for shape " + format_shape(shape_));
  }
  const int64_t r = *index.begin();
  const int64_t c = index.size() == 2 ? *(index.begin() + 1) : 0;
  const int64_t cols = shape_.size() == 2 ? shape_[1] : 1;
  if (r < 0 || r >= shape_[0] || c < 0 || c >= cols) {
    throw std::out_of_range("Weight::at: index out of range for shape " + format_shape(shape_));
  }
  if (blocks_) {  // dequantize the one block holding the element
    const GgmlType type = parts_[0].type;
    const int64_t block = ggml_type_traits(type).block_size;
    std::vector<float> values(static_cast<size_t>(block));
    if (shape_.size() == 1) {
      dequantize_row_range(type, static_cast<const std::byte*>(parts_[0].data), r / block * block,
                           block, values.data());
      return values[static_cast<size_t>(r % block)];
    }
    view().row_to_f32(r, c / block * block, block, values.data());
    return values[static_cast<size_t>(c % block)];
  }
  if (shape_.size() == 1) return element(dtype_, parts_[0].data, r);
  if (in_out_) return element(dtype_, parts_[0].data, c * shape_[0] + r);
  return element(dtype_, view().row(r), c);
}

void Weight::copy_row(int64_t r, float* out) const {
  const int64_t cols = shape_.at(1);
  if (!in_out_) {
    view().row_to_f32(r, 0, cols, out);
    return;
  }
  for (int64_t c = 0; c < cols; ++c) out[c] = at({r, c});
}

void Weight::add_row(int64_t r, float* out) const {
  const int64_t cols = shape_.at(1);
  if (const float* data = f32_data()) {
    const float* row = data + r * cols;
    for (int64_t c = 0; c < cols; ++c) out[c] += row[c];
    return;
  }
  std::vector<float> row(static_cast<size_t>(cols));
  copy_row(r, row.data());
  for (int64_t c = 0; c < cols; ++c) out[c] += row[c];
}

Tensor Weight::to_tensor() const {
  if (empty()) return {};
  Tensor out(shape_);
  if (shape_.size() != 2) {
    vector_to_f32(out.numel(), out.data());
    return out;
  }
  for (int64_t r = 0; r < shape_[0]; ++r) copy_row(r, out.data() + r * shape_[1]);
  return out;
}

std::optional<std::pair<int64_t, float>> Weight::first_non_finite() const {
  if (empty()) return std::nullopt;
  const int64_t rows = shape_.size() == 2 ? shape_[0] : 1;
  const int64_t cols = shape_.size() == 2 ? shape_[1] : numel();
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    if (shape_.size() == 2) {
      copy_row(r, row.data());
    } else {
      vector_to_f32(cols, row.data());
    }
    for (int64_t c = 0; c < cols; ++c) {
      if (!std::isfinite(row[c])) return std::pair(r * cols + c, row[c]);
    }
  }
  return std::nullopt;
}

void Weight::vector_to_f32(int64_t count, float* out) const {
  if (blocks_) {
    dequantize_row(parts_[0].type, static_cast<const std::byte*>(parts_[0].data), out, count);
  } else {
    convert_to_f32(dtype_, parts_[0].data, static_cast<size_t>(count), out);
  }
}

Weight Weight::transposed() const {
  if (empty()) return {};
  if (blocks_) throw ShapeError("a block-quantized weight cannot be read transposed");
  if (shape_.size() != 2 || parts_.size() != 1 || parts_[0].stride != 1) {
    throw ShapeError("only a whole 2-D weight can be read transposed; got shape " +
                     format_shape(shape_));
  }
  Weight w = *this;
  w.shape_ = {shape_[1], shape_[0]};
  w.in_out_ = !in_out_;
  w.parts_[0].rows = w.shape_[0];
  return w;
}

Weight Weight::stack_rows(std::initializer_list<const Weight*> parts) {
  Weight w;
  for (const Weight* part : parts) {
    if (part->empty()) return {};  // recording mode
  }
  for (const Weight* part : parts) {
    if (part->shape_.size() != 2 || part->in_out_) {
      throw ShapeError("stack_rows takes [rows, cols] weights stored row by row; got shape " +
                       format_shape(part->shape_));
    }
    if (w.shape_.empty()) {
      w.shape_ = {0, part->shape_[1]};
      w.dtype_ = part->dtype_;
      w.blocks_ = part->blocks_;
      w.view_ = true;
    }
    if (part->shape_[1] != w.shape_[1]) {
      throw ShapeError("stack_rows: parts differ in width (" + format_shape(part->shape_) + ")");
    }
    // Parts of different types (GGUF mixed quantization: q in Q4_K, v in Q6_K) are read as
    // ggml rows, each part with its own type.
    if (part->blocks_ != w.blocks_ || part->dtype_ != w.dtype_) w.blocks_ = true;
    w.shape_[0] += part->shape_[0];
    w.view_ = w.view_ && part->view_;
    w.parts_.insert(w.parts_.end(), part->parts_.begin(), part->parts_.end());
    w.owners_.insert(w.owners_.end(), part->owners_.begin(), part->owners_.end());
  }
  if (w.blocks_) {
    // Parts that came from float weights get their ggml type.
    size_t p = 0;
    for (const Weight* part : parts) {
      for (size_t i = 0; i < part->parts_.size(); ++i, ++p) {
        if (!part->blocks_) w.parts_[p].type = ggml_float_type(part->dtype_);
      }
    }
    w.dtype_ = DType::kF32;
  }
  return w;
}

Weight Weight::interleaved_halves(int64_t group) const {
  if (empty()) return {};
  if (shape_.size() != 2 || in_out_ || parts_.size() != 1 || parts_[0].stride != 1 || group <= 0 ||
      group % 2 != 0 || shape_[0] % group != 0) {
    throw ShapeError("interleaved_halves(" + std::to_string(group) +
                     ") takes one stored [rows, cols] tensor of whole groups; got shape " +
                     format_shape(shape_));
  }
  Weight w = *this;
  w.parts_.clear();
  const ops::WeightView source = view();
  for (int64_t first = 0; first < shape_[0]; first += group) {
    for (int64_t t = 0; t < 2; ++t) {
      w.parts_.push_back({group / 2, source.row(first + t), parts_[0].type, 2});
    }
  }
  return w;
}

Weight Weight::select_rows(const std::vector<std::pair<int64_t, int64_t>>& ranges) const {
  if (empty()) return {};
  if (shape_.size() != 2 || in_out_) {
    throw ShapeError("select_rows takes a [rows, cols] weight stored row by row; got shape " +
                     format_shape(shape_));
  }
  Weight w = *this;
  w.parts_.clear();
  w.shape_[0] = 0;
  const ops::WeightView source = view();
  for (const auto& [first, count] : ranges) {
    if (first < 0 || count < 0 || first + count > shape_[0]) {
      throw ShapeError("select_rows: rows [" + std::to_string(first) + ", " +
                       std::to_string(first + count) + ") outside " + format_shape(shape_));
    }
    // A range may cross the parts of an already stacked weight: split it row by part.
    int64_t row = first;
    while (row < first + count) {
      int64_t part_first = 0;
      size_t p = 0;
      while (part_first + parts_[p].rows <= row) part_first += parts_[p++].rows;
      const int64_t take = std::min(first + count, part_first + parts_[p].rows) - row;
      w.parts_.push_back({take, source.row(row), parts_[p].type, parts_[p].stride});
      row += take;
    }
    w.shape_[0] += count;
  }
  return w;
}

void ModelWeights::materialise() {
  for_each_weight([](Weight& w) {
    if (!w.empty()) w = Weight(w.to_tensor());
  });
}

int64_t ModelWeights::parameter_count() const {
  int64_t total = embedding_norm_weight.numel() + embedding_norm_bias.numel() +
                  final_norm_weight.numel() + final_norm_bias.numel() + lm_head_bias.numel();
  for (const LayerWeights& l : layers) {
    for (const Tensor* t : {&l.attn_norm_weight, &l.attn_norm_bias, &l.qkv_bias, &l.attn_out_bias,
                            &l.mlp_norm_weight, &l.mlp_norm_bias, &l.mlp_gate_bias, &l.mlp_up_bias,
                            &l.mlp_down_bias, &l.q_norm_weight, &l.k_norm_weight}) {
      total += t->numel();
    }
  }
  for_each_weight([&](const Weight& w) { total += w.empty() ? 0 : w.numel(); });
  return total;
}

}  // namespace attnscope
