// How an ArchSpec takes tensors out of a checkpoint. It resolves the base-model prefix the way
// from_pretrained does (the `gpt2` checkpoint has no "transformer." prefix, GPT2LMHeadModel
// files do; *ForCausalLM files carry "model."), checks every shape (ShapeError naming the tensor,
// expected and got), and remembers which tensors were used so the loader can report the rest.
// Tensors come back as Weights read in place (TensorSource::load_weight); assigning one to a
// Tensor (norm weights, biases) converts it to f32.
// In recording mode it reads nothing and hands out empty tensors (the load-time transforms pass
// them through): that lists the tensors an architecture expects for a config, with no memory
// spent on them (info counts parameters from it; tests build random checkpoints from it).
//
//   WeightReader reader(source, "model", {"*.rotary_emb.inv_freq"});
//   Weight w = reader.take("layers.0.self_attn.q_proj.weight", {q_dim, hidden});
//   Weight head = reader.take_head_optional("lm_head.weight", {vocab, hidden});
//   std::vector<std::string> unused = reader.unused();
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/tensor.h"
#include "model/tensor_source.h"
#include "model/weights.h"

namespace attnscope {

// One tensor an architecture asks for (recording mode).
struct ExpectedTensor {
  std::string name;  // full checkpoint name, base prefix included when the reader uses one
  Shape shape;
  bool required = true;
};

class WeightReader {
 public:
  // `base_prefix` is the base model's attribute name ("model", "transformer", "bert", ...);
  // `ignored` are glob patterns ('*' = any run of characters) of tensors we never need (task
  // heads, buffers): they are neither used nor reported as unused.
  WeightReader(const TensorSource& source, std::string base_prefix,
               std::vector<std::string> ignored);
  // Records what is asked; every take returns an empty Tensor. `with_prefix`: names carry the
  // prefix.
  static WeightReader recording(std::string base_prefix, bool with_prefix);

  // A tensor of the base model, name relative to it ("layers.0.mlp.up_proj.weight").
  // ShapeError when missing or of another shape.
  Weight take(const std::string& name, const Shape& shape);
  // Same, but an empty Tensor when absent.
  Weight take_optional(const std::string& name, const Shape& shape);
  bool has(const std::string& name) const;
  // A tensor outside the base model (LM heads: "lm_head.weight", "embed_out.weight").
  Weight take_head_optional(const std::string& name, const Shape& shape);
  bool has_head(const std::string& name) const;
  // Marks a head tensor as deliberately unused (e.g. lm_head.weight of a tied model).
  void skip_head(const std::string& name);

  // Checkpoint names neither taken nor ignored, sorted.
  std::vector<std::string> unused() const;
  // The dtype most of the taken tensors were stored in (by element count).
  DType dominant_dtype() const;
  const std::vector<ExpectedTensor>& recorded() const { return recorded_; }
  // "model." or "" as resolved for this checkpoint.
  const std::string& resolved_prefix() const { return prefix_; }

 private:
  WeightReader() = default;
  Weight take_full(const std::string& full_name, const Shape& shape, bool required);

  const TensorSource* source_ = nullptr;  // null in recording mode
  std::string prefix_;
  std::vector<std::string> ignored_;
  std::set<std::string> used_;
  std::vector<ExpectedTensor> recorded_;
  std::vector<std::pair<DType, int64_t>> dtype_counts_;
};

// '*' matches any run of characters (dots included).
bool glob_match(std::string_view pattern, std::string_view name);

}  // namespace attnscope
