// AttentionAnalyzer: the seed API of attnscope, a thin layer over the pure analysis functions.
// It runs a model (through an AttentionSource) and hands each layer's attention to streaming
// observers, so `analyze` and `get_token_importance` never hold L*H*T^2 floats; only
// `get_attention_patterns`, which returns the attention itself, stores every layer.
//
//   AttentionAnalyzer analyzer("models/tiny-gpt2");   // folder, Hugging Face id in cache, "demo"
//   AttentionPatterns patterns = analyzer.get_attention_patterns("The quick brown fox");
//   std::vector<HeadStats> heads = AttentionAnalyzer::analyze_pattern(patterns.layer(0));
//   for (const TokenScore& t : analyzer.get_token_importance("The quick brown fox", "raw"))
//     std::cout << t.token << " " << t.score << "\n";
//   AnalysisSummary corpus = analyzer.analyze({"first text", "second text"});
//   analyzer.probe();                                  // induction / duplicate join the patterns
//   AnalysisSummary with_circuits = analyzer.analyze({"first text"});
//
// Without a model (saved attention, see attention_file.h):
//
//   AttentionFile file("fox.safetensors");
//   AnalysisSummary s = analyze_attention_file(file);
//   std::vector<TokenScore> ranked = token_importance(file, /*sequence=*/0, "raw");
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/attention_file.h"
#include "analysis/attention_source.h"
#include "analysis/figures.h"
#include "analysis/importance.h"
#include "analysis/patterns.h"
#include "analysis/probes.h"
#include "analysis/summary.h"
#include "core/tensor.h"
#include "model/observer.h"

namespace attnscope::analysis {

// One head's figures for one text and its pattern.
struct HeadStats {
  int layer = 0;
  int head = 0;
  HeadFigures figures;
  PatternResult pattern;
};

// Tokens and every kept layer's attention for one text.
struct AttentionPatterns {
  std::vector<std::string> tokens;    // [T]
  std::vector<int64_t> ids;           // [T]
  std::vector<uint8_t> special_mask;  // [T]
  bool causal = false;
  std::vector<int> layer_ids;  // model layer number of each entry of `layers`
  std::vector<Tensor> layers;  // each [head, query_pos, key_pos]
  // A view of one kept layer (index into `layers`), valid while this object lives.
  LayerAttention layer(size_t index) const;
};

struct AnalyzeOptions {
  std::set<int> layers;  // model layer numbers; empty = all
  std::set<int> heads;   // head index within a layer; empty = all
  PatternThresholds thresholds;
  // How an error names input k (e.g. "texts.jsonl: line 3"); empty: "text k+1 of N" when N > 1.
  std::vector<std::string> input_names;
};

class AttentionAnalyzer {
 public:
  // `model`: a model folder, a Hugging Face id in the local cache, or "demo".
  explicit AttentionAnalyzer(const std::string& model);
  explicit AttentionAnalyzer(std::unique_ptr<AttentionSource> source);
  // A model already resolved (model/resolved_model.h): nothing is resolved or parsed again.
  explicit AttentionAnalyzer(const ResolvedModel& model);

  AttentionSource& source() { return *source_; }

  // Tokenizes and runs the model, keeping every layer in `layers` (empty = all).
  AttentionPatterns get_attention_patterns(const std::string& text,
                                           const std::set<int>& layers = {});

  // Per-head statistics of one layer's attention [head, query_pos, key_pos]. Pure: no model.
  static std::vector<HeadStats> analyze_pattern(
      const LayerAttention& layer_attention, std::span<const uint8_t> special_mask = {},
      const PatternThresholds& thresholds = PatternThresholds{});

  // (token, score) pairs in text order, scores summing to 1. Methods: "raw", "rollout",
  // "flow", "norm" (importance.h; options: rollout/flow target, raw's visible_only).
  std::vector<TokenScore> get_token_importance(const std::string& text,
                                               std::string_view method = "raw",
                                               const ImportanceOptions& options = {});
  // The same for an input already encoded (source().encode or source().encode_ids).
  std::vector<TokenScore> get_token_importance(const EncodedText& input,
                                               std::string_view method = "raw",
                                               const ImportanceOptions& options = {});

  // Runs the circuit probes (probes.h: previous-token, duplicate-token, induction scores on
  // repeated random tokens) and keeps the result: every later analyze() then gives heads the
  // probe classes `induction` and `duplicate` (patterns.h, apply_probe_patterns).
  const ProbeResult& probe(const ProbeOptions& options = {});
  // The kept probe result, if probe() was run.
  const std::optional<ProbeResult>& probe_result() const { return probe_; }

  // Streaming statistics over several texts (mean and population std per head and layer).
  AnalysisSummary analyze(std::span<const std::string> texts, const AnalyzeOptions& options = {});
  // The same over inputs already encoded, e.g. to check them all before the first forward pass
  // or to analyse token ids.
  AnalysisSummary analyze(std::span<const EncodedText> inputs, const AnalyzeOptions& options = {});

 private:
  // The loop of both analyze(): `input(k)` gives the k-th of `count` encoded inputs.
  AnalysisSummary analyze_inputs(size_t count, const std::function<EncodedText(size_t)>& input,
                                 const AnalyzeOptions& options);

  std::unique_ptr<AttentionSource> source_;
  std::optional<ProbeResult> probe_;
};

// Statistics of every sequence of a saved attention file, layer by layer. Head and layer numbers
// are the model's (the file's "layers"/"heads" metadata).
AnalysisSummary analyze_attention_file(const AttentionFile& file,
                                       const AnalyzeOptions& options = {});

// Token importance of one sequence of a saved file, in text order over real tokens.
// Methods: raw, rollout, flow (norm needs a live model: UnsupportedError).
std::vector<TokenScore> token_importance(const AttentionFile& file, int64_t sequence,
                                         std::string_view method = "raw",
                                         const ImportanceOptions& options = {});

}  // namespace attnscope::analysis

namespace attnscope {
using analysis::AttentionAnalyzer;
}  // namespace attnscope
