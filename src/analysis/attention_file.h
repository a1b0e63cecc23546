// Saved attention (docs/attention-file-format.md): a safetensors file holding `attentions`
// [L, H, T, T] or [B, L, H, T, T] plus optional `input_ids`, `attention_mask`,
// `special_tokens_mask` and metadata (model, tokens, causal, layers, heads). This is what
// `attnscope attention` writes and what the golden files in shared/golden/attention hold, so
// every analysis can run without a model. The file is memory-mapped and handed out one
// (sequence, layer) slice at a time: memory is one layer's [H, T, T] in f32.
//
//   AttentionFile file("fox.safetensors");
//   StreamingStats stats;
//   file.replay(stats);                         // every sequence, every layer
//   AnalysisSummary s = stats.summary();
//   Tensor layer2 = file.load_layer(0, 2);      // [head, query_pos, key_pos], validated
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/observer.h"

namespace attnscope {
class SafetensorsFile;
struct TensorInfo;
}  // namespace attnscope

namespace attnscope::analysis {

// A row of a real query must sum to 1 within this over its visible keys.
inline constexpr double kRowSumTolerance = 1e-3;

// The "format" metadata `attnscope attention` writes. A file naming another version of it
// ("attnscope-attention/2") is refused; other values ("pt" from torch) are ignored.
inline constexpr const char* kAttentionFileFormat = "attnscope-attention/1";

struct AttentionFileOptions {
  // Overrides the file's "causal" metadata and inference.
  std::optional<bool> causal;
  double row_sum_tolerance = kRowSumTolerance;
};

// Where the causal flag came from.
enum class CausalSource { kOption, kMetadata, kInferred };

class AttentionFile {
 public:
  // Opens and checks the layout (ranks, shapes, dtypes, metadata). Attention values are checked
  // when a layer is loaded. Throws IoError / FormatError.
  explicit AttentionFile(const std::string& path, AttentionFileOptions options = {});
  ~AttentionFile();
  AttentionFile(AttentionFile&&) noexcept;
  AttentionFile& operator=(AttentionFile&&) noexcept;

  const std::string& path() const;
  int64_t batch() const { return batch_; }  // 1 for a [L, H, T, T] file
  int64_t layers() const { return layers_; }
  int64_t heads() const { return heads_; }
  int64_t tokens() const { return tokens_; }  // T (the padded length for a batch)
  bool causal() const { return causal_; }
  CausalSource causal_source() const { return causal_source_; }
  // The model's layer / head number of each stored layer / head (metadata "layers"/"heads" when
  // the file holds a selection; else 0..L-1 / 0..H-1).
  const std::vector<int>& layer_ids() const { return layer_ids_; }
  const std::vector<int>& head_ids() const { return head_ids_; }
  // Metadata "model", else "model_dir", else "".
  const std::string& model() const { return model_; }

  // Per sequence: [T] spans, empty when the file does not have them.
  std::span<const int64_t> attention_mask(int64_t sequence) const;
  std::span<const int64_t> input_ids(int64_t sequence) const;
  // [T], 1 = special token; from `special_tokens_mask`, or metadata "special_ids" with
  // `input_ids`; empty when unknown.
  std::span<const uint8_t> special_mask(int64_t sequence) const;
  // Token strings from metadata "tokens"; empty when absent.
  const std::vector<std::string>& tokens(int64_t sequence) const;

  // One stored layer (index 0..layers()-1, not the model's number) of one sequence:
  // [head, query_pos, key_pos] in f32, validated (finite, >= 0, real rows sum to 1 over their
  // visible keys, no weight on invisible keys). Throws FormatError naming the first bad index.
  Tensor load_layer(int64_t sequence, int64_t layer_index) const;

  // Hands each sequence's layers, in order, to the observers as LayerAttention (layer = the
  // model's layer number). `layers` selects by model layer number; empty = all.
  void replay(std::span<AttentionObserver* const> observers,
              const std::set<int>& layers = {}) const;
  void replay(AttentionObserver& observer, const std::set<int>& layers = {}) const;

 private:
  bool infer_causal() const;
  void validate_layer(const Tensor& probs, int64_t sequence, int64_t layer_index) const;

  std::unique_ptr<SafetensorsFile> file_;
  AttentionFileOptions options_;
  const TensorInfo* attentions_ = nullptr;
  int64_t batch_ = 1;
  int64_t layers_ = 0;
  int64_t heads_ = 0;
  int64_t tokens_ = 0;
  bool causal_ = false;
  CausalSource causal_source_ = CausalSource::kInferred;
  std::vector<int> layer_ids_;
  std::vector<int> head_ids_;
  std::string model_;
  std::vector<int64_t> attention_mask_;                  // [B, T] or empty
  std::vector<int64_t> input_ids_;                       // [B, T] or empty
  std::vector<uint8_t> special_mask_;                    // [B, T] or empty
  std::vector<std::vector<std::string>> token_strings_;  // [B][T] or empty
};

}  // namespace attnscope::analysis
