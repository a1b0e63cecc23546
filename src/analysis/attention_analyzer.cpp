#include "analysis/attention_analyzer.h"

#include <algorithm>

#include "analysis/flow.h"
#include "analysis/head_figures.h"
#include "analysis/streaming_stats.h"
#include "core/error.h"

namespace attnscope::analysis {
namespace {

// Keeps a copy of each wanted layer (the forward pass frees its buffer after the call).
class LayerCollector : public AttentionObserver {
 public:
  explicit LayerCollector(const std::set<int>& layers) : layers_(layers) {}
  void on_attention(const LayerAttention& a) override {
    if (!layers_.empty() && layers_.count(a.layer) == 0) return;
    if (a.sequence != 0) return;
    causal = a.causal;
    layer_ids.push_back(a.layer);
    layers.emplace_back(Shape{a.num_heads, a.num_tokens, a.num_tokens},
                        std::vector<float>(a.probs.begin(), a.probs.end()));
  }
  bool causal = false;
  std::vector<int> layer_ids;
  std::vector<Tensor> layers;  // each [head, query_pos, key_pos]

 private:
  const std::set<int>& layers_;
};

std::vector<TokenScore> in_text_order(std::vector<TokenScore> scores) {
  std::sort(scores.begin(), scores.end(),
            [](const TokenScore& a, const TokenScore& b) { return a.position < b.position; });
  return scores;
}

}  // namespace

LayerAttention AttentionPatterns::layer(size_t index) const {
  const Tensor& probs = layers.at(index);
  LayerAttention a;
  a.layer = layer_ids.at(index);
  a.num_heads = probs.dim(0);
  a.num_tokens = probs.dim(1);
  a.causal = causal;
  a.probs = probs.values();
  return a;
}

AttentionAnalyzer::AttentionAnalyzer(const std::string& model)
    : source_(open_attention_source(model)) {}

AttentionAnalyzer::AttentionAnalyzer(const ResolvedModel& model)
    : source_(open_model_source(model)) {}

AttentionAnalyzer::AttentionAnalyzer(std::unique_ptr<AttentionSource> source)
    : source_(std::move(source)) {
  if (!source_) throw InputError("AttentionAnalyzer needs an attention source, got null");
}

AttentionPatterns AttentionAnalyzer::get_attention_patterns(const std::string& text,
                                                            const std::set<int>& layers) {
  EncodedText encoded = source_->encode(text, /*add_special_tokens=*/true);
  LayerCollector collector(layers);
  AttentionObserver* observers[] = {&collector};
  source_->run(encoded, observers);
  AttentionPatterns out;
  out.tokens = std::move(encoded.tokens);
  out.ids = std::move(encoded.ids);
  out.special_mask = std::move(encoded.special_mask);
  out.causal = source_->causal();
  out.layer_ids = std::move(collector.layer_ids);
  out.layers = std::move(collector.layers);
  return out;
}

std::vector<HeadStats> AttentionAnalyzer::analyze_pattern(const LayerAttention& layer_attention,
                                                          std::span<const uint8_t> special_mask,
                                                          const PatternThresholds& thresholds) {
  const std::vector<HeadFigures> heads = compute_layer_figures(layer_attention, special_mask);
  std::vector<HeadStats> out;
  for (size_t h = 0; h < heads.size(); ++h) {
    HeadStats s;
    s.layer = layer_attention.layer;
    s.head = static_cast<int>(h);
    s.figures = heads[h];
    s.pattern = classify_head(heads[h], thresholds);
    out.push_back(s);
  }
  return out;
}

std::vector<TokenScore> AttentionAnalyzer::get_token_importance(const std::string& text,
                                                                std::string_view method,
                                                                const ImportanceOptions& options) {
  parse_importance_method(method);  // checked before the forward pass
  return get_token_importance(source_->encode(text, /*add_special_tokens=*/true), method, options);
}

std::vector<TokenScore> AttentionAnalyzer::get_token_importance(const EncodedText& input,
                                                                std::string_view method,
                                                                const ImportanceOptions& options) {
  const ImportanceMethod m = parse_importance_method(method);
  const int64_t n = static_cast<int64_t>(input.ids.size());
  if (options.target && (*options.target < 0 || *options.target >= n)) {
    throw InputError("--target " + std::to_string(*options.target) + " is outside the input [0, " +
                     std::to_string(n) + ")");
  }
  if (m == ImportanceMethod::kFlow) {
    check_flow_size(
        options.layers.empty() ? source_->num_layers() : static_cast<int>(options.layers.size()),
        n);
  }
  if (m == ImportanceMethod::kNorm) {
    return in_text_order(rank_tokens(source_->norm_importance(input, options), input.tokens));
  }
  TokenImportance importance(m, options);
  AttentionObserver* observers[] = {&importance};
  source_->run(input, observers);
  return in_text_order(rank_tokens(importance.scores(), input.tokens));
}

const ProbeResult& AttentionAnalyzer::probe(const ProbeOptions& options) {
  probe_ = run_probes(*source_, options);
  return *probe_;
}

AnalysisSummary AttentionAnalyzer::analyze(std::span<const std::string> texts,
                                           const AnalyzeOptions& options) {
  // Encoded one at a time, so a corpus is never held as tokens.
  return analyze_inputs(
      texts.size(),
      [&](size_t k) { return source_->encode(texts[k], /*add_special_tokens=*/true); }, options);
}

AnalysisSummary AttentionAnalyzer::analyze(std::span<const EncodedText> inputs,
                                           const AnalyzeOptions& options) {
  return analyze_inputs(
      inputs.size(), [&](size_t k) { return inputs[k]; }, options);
}

AnalysisSummary AttentionAnalyzer::analyze_inputs(size_t count,
                                                  const std::function<EncodedText(size_t)>& input,
                                                  const AnalyzeOptions& options) {
  if (!options.input_names.empty() && options.input_names.size() != count) {
    throw InputError("AnalyzeOptions::input_names holds " +
                     std::to_string(options.input_names.size()) + " names for " +
                     std::to_string(count) + " inputs");
  }
  StreamingStats stats(
      {.layers = options.layers, .heads = options.heads, .thresholds = options.thresholds});
  AttentionObserver* observers[] = {&stats};
  for (size_t k = 0; k < count; ++k) {
    // An error says which input failed: its name, or with several, the k-th text.
    const bool named = !options.input_names.empty();
    const auto where = [&] {
      return named ? options.input_names[k] + ": "
                   : "text " + std::to_string(k + 1) + " of " + std::to_string(count) + ": ";
    };
    try {
      const EncodedText encoded = input(k);
      stats.begin_text(encoded.special_mask, encoded.tokens);
      source_->run(encoded, observers);
    } catch (const InputError& e) {
      if (count == 1 && !named) throw;
      throw InputError(where() + e.what());
    } catch (const LimitError& e) {
      if (count == 1 && !named) throw;
      throw LimitError(where() + e.what());
    }
  }
  AnalysisSummary summary = stats.summary();
  summary.model = source_->name();
  summary.causal = source_->causal();
  if (probe_) apply_probe_patterns(summary, *probe_);
  return summary;
}

AnalysisSummary analyze_attention_file(const AttentionFile& file, const AnalyzeOptions& options) {
  StreamingStats stats(
      {.layers = options.layers, .heads = options.heads, .thresholds = options.thresholds});
  std::vector<std::vector<uint8_t>> special;
  std::vector<std::vector<std::string>> tokens;
  for (int64_t b = 0; b < file.batch(); ++b) {
    const auto mask = file.special_mask(b);
    special.emplace_back(mask.begin(), mask.end());
    const auto& t = file.tokens(b);
    if (t.empty()) continue;
    // Report only the real tokens of a padded sequence.
    const auto attention_mask = file.attention_mask(b);
    std::vector<std::string> real;
    for (size_t k = 0; k < t.size(); ++k) {
      if (attention_mask.empty() || attention_mask[k] != 0) real.push_back(t[k]);
    }
    tokens.push_back(std::move(real));
  }
  stats.begin_batch(std::move(special), std::move(tokens));
  file.replay(stats, options.layers);
  AnalysisSummary summary = stats.summary();
  summary.model = file.model();
  summary.causal = file.causal();
  for (HeadSummary& head : summary.heads) head.head = file.head_ids().at(head.head);
  return summary;
}

std::vector<TokenScore> token_importance(const AttentionFile& file, int64_t sequence,
                                         std::string_view method,
                                         const ImportanceOptions& options) {
  const ImportanceMethod m = parse_importance_method(method);
  if (sequence < 0 || sequence >= file.batch()) {
    throw InputError("sequence " + std::to_string(sequence) + " is out of range; the file holds " +
                     std::to_string(file.batch()));
  }
  if (m == ImportanceMethod::kNorm) {
    throw UnsupportedError(
        "importance method 'norm' needs value vectors from a live forward pass; a saved "
        "attention file holds only attention: give --model instead of --attentions");
  }
  if (m == ImportanceMethod::kFlow) {
    const auto mask = file.attention_mask(sequence);
    const int64_t n = mask.empty() ? file.tokens() : std::count(mask.begin(), mask.end(), 1);
    check_flow_size(file.layers(), n);
  }
  TokenImportance raw(m, options, sequence);
  for (int64_t index = 0; index < file.layers(); ++index) {
    const Tensor probs = file.load_layer(sequence, index);
    LayerAttention a;
    a.layer = file.layer_ids()[index];
    a.sequence = sequence;
    a.num_heads = file.heads();
    a.num_tokens = file.tokens();
    a.causal = file.causal();
    a.probs = probs.values();
    a.attention_mask = file.attention_mask(sequence);
    raw.on_attention(a);
  }
  const auto mask = file.attention_mask(sequence);
  return in_text_order(rank_tokens(raw.scores(), file.tokens(sequence),
                                   std::vector<int64_t>(mask.begin(), mask.end())));
}

}  // namespace attnscope::analysis
