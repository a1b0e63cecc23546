#include "analysis/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "analysis/head_figures.h"
#include "analysis/patterns.h"
#include "analysis/similarity.h"
#include "core/error.h"

namespace attnscope::analysis {
namespace {

// Keeps every layer of run a: [head, query_pos, key_pos] per layer.
class KeepLayers : public AttentionObserver {
 public:
  void on_attention(const LayerAttention& attention) override {
    layers.emplace_back(attention.probs.begin(), attention.probs.end());
    heads = attention.num_heads;
    causal = attention.causal;
  }
  std::vector<std::vector<float>> layers;
  int64_t heads = 0;
  bool causal = false;
};

// Compares run b, layer by layer, against the kept run a.
class CompareLayers : public AttentionObserver {
 public:
  CompareLayers(const KeepLayers& a, const EncodedText& text_a, const EncodedText& text_b,
                const std::vector<std::pair<int64_t, int64_t>>& aligned,
                std::vector<HeadComparison>& out)
      : a_(a), text_a_(text_a), text_b_(text_b), aligned_(aligned), out_(out) {}

  void on_attention(const LayerAttention& b) override {
    const size_t index = static_cast<size_t>(layer_count_++);
    if (index >= a_.layers.size() || b.num_heads != a_.heads) {
      throw InputError("the two runs differ in shape: layer " + std::to_string(b.layer) + " has " +
                       std::to_string(b.num_heads) + " heads in b; a has " +
                       std::to_string(a_.layers.size()) + " layers of " + std::to_string(a_.heads) +
                       " heads");
    }
    const int64_t ta = static_cast<int64_t>(text_a_.ids.size()), tb = b.num_tokens;
    LayerAttention view_a;
    view_a.layer = b.layer;
    view_a.num_heads = a_.heads;
    view_a.num_tokens = ta;
    view_a.causal = a_.causal;
    view_a.probs = a_.layers[index];
    const auto figures_a = compute_layer_figures(view_a, text_a_.special_mask);
    const auto figures_b = compute_layer_figures(b, text_b_.special_mask);
    std::vector<float> row_a(aligned_.size()), row_b(aligned_.size());
    for (int64_t h = 0; h < b.num_heads; ++h) {
      HeadComparison c;
      c.layer = b.layer;
      c.head = static_cast<int>(h);
      c.a = figures_a[h];
      c.b = figures_b[h];
      c.pattern_a = std::string(pattern_name(classify_head(c.a).pattern));
      c.pattern_b = std::string(pattern_name(classify_head(c.b).pattern));
      const float* pa = a_.layers[index].data() + h * ta * ta;
      const float* pb = b.probs.data() + h * tb * tb;
      double sum = 0;
      int64_t rows = 0;
      for (const auto& [qa, qb] : aligned_) {
        double mass_a = 0, mass_b = 0;
        for (size_t k = 0; k < aligned_.size(); ++k) {
          row_a[k] = pa[qa * ta + aligned_[k].first];
          row_b[k] = pb[qb * tb + aligned_[k].second];
          mass_a += row_a[k];
          mass_b += row_b[k];
        }
        if (mass_a <= 0 || mass_b <= 0) continue;
        for (size_t k = 0; k < aligned_.size(); ++k) {
          row_a[k] = static_cast<float>(row_a[k] / mass_a);
          row_b[k] = static_cast<float>(row_b[k] / mass_b);
        }
        sum += js_divergence(row_a, row_b);
        ++rows;
      }
      c.js = rows > 0 ? sum / static_cast<double>(rows) : std::numeric_limits<double>::quiet_NaN();
      out_.push_back(std::move(c));
    }
  }

  int64_t layer_count() const { return layer_count_; }

 private:
  const KeepLayers& a_;
  const EncodedText& text_a_;
  const EncodedText& text_b_;
  const std::vector<std::pair<int64_t, int64_t>>& aligned_;
  std::vector<HeadComparison>& out_;
  int64_t layer_count_ = 0;
};

Comparison run_comparison(AttentionSource& source_a, AttentionSource& source_b,
                          const EncodedText& a, const EncodedText& b) {
  Comparison out;
  out.model_a = source_a.name();
  out.model_b = source_b.name();
  out.tokens_a = a.tokens;
  out.tokens_b = b.tokens;
  out.aligned = align_tokens(a.ids, b.ids);
  KeepLayers kept;
  AttentionObserver* keep[] = {&kept};
  source_a.run(a, keep);
  CompareLayers compare(kept, a, b, out.aligned, out.heads);
  AttentionObserver* observers[] = {&compare};
  source_b.run(b, observers);
  if (compare.layer_count() != static_cast<int64_t>(kept.layers.size())) {
    throw InputError("the two runs differ in shape: " + std::to_string(kept.layers.size()) +
                     " layers against " + std::to_string(compare.layer_count()));
  }
  return out;
}

}  // namespace

std::vector<std::pair<int64_t, int64_t>> align_tokens(const std::vector<int64_t>& a,
                                                      const std::vector<int64_t>& b) {
  const size_t n = a.size(), m = b.size();
  if (static_cast<long double>(n) * static_cast<long double>(m) > kMaxAlignmentCells) {
    throw LimitError("aligning " + std::to_string(n) + " tokens with " + std::to_string(m) +
                     " needs more than " + std::to_string(kMaxAlignmentCells) +
                     " table cells; compare shorter texts");
  }
  // lcs[i][j]: LCS length of a[i..] and b[j..].
  std::vector<int32_t> lcs((n + 1) * (m + 1), 0);
  const auto at = [&](size_t i, size_t j) -> int32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  std::vector<std::pair<int64_t, int64_t>> out;
  size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] == b[j]) {
      out.emplace_back(i++, j++);
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

Comparison compare_texts(AttentionSource& source, const EncodedText& a, const EncodedText& b) {
  return run_comparison(source, source, a, b);
}

Comparison compare_models(AttentionSource& a, AttentionSource& b, const EncodedText& input_a,
                          const EncodedText& input_b) {
  if (a.num_layers() != b.num_layers() || a.num_heads() != b.num_heads()) {
    throw InputError("models '" + a.name() + "' (" + std::to_string(a.num_layers()) + " layers x " +
                     std::to_string(a.num_heads()) + " heads) and '" + b.name() + "' (" +
                     std::to_string(b.num_layers()) + " x " + std::to_string(b.num_heads()) +
                     ") differ in shape; compare needs the same layers and heads");
  }
  return run_comparison(a, b, input_a, input_b);
}

std::vector<HeadComparison> most_changed(std::vector<HeadComparison> heads) {
  std::stable_sort(heads.begin(), heads.end(),
                   [](const HeadComparison& x, const HeadComparison& y) {
                     if (std::isnan(y.js)) return !std::isnan(x.js);
                     if (std::isnan(x.js)) return false;
                     return x.js > y.js;
                   });
  return heads;
}

}  // namespace attnscope::analysis
