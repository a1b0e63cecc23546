#include "analysis/similarity.h"

#include <cmath>
#include <string>

#include "analysis/sequence_layout.h"
#include "core/error.h"
#include "ops/parallel.h"

namespace attnscope::analysis {

double js_divergence(std::span<const float> p, std::span<const float> q) {
  if (p.size() != q.size()) {
    throw InputError("JS divergence of distributions of " + std::to_string(p.size()) + " and " +
                     std::to_string(q.size()) + " values; expected equal lengths");
  }
  double sum = 0;
  for (size_t k = 0; k < p.size(); ++k) {
    const double a = p[k], b = q[k], m = 0.5 * (a + b);
    if (a > 0) sum += a * std::log(a / m);
    if (b > 0) sum += b * std::log(b / m);
  }
  return std::max(0.0, 0.5 * sum);
}

HeadSimilarity::HeadSimilarity(std::set<int> layers, std::set<int> heads)
    : layer_filter_(std::move(layers)), head_filter_(std::move(heads)) {}

void HeadSimilarity::on_attention(const LayerAttention& attention) {
  if (!layer_filter_.empty() && layer_filter_.count(attention.layer) == 0) return;
  const int64_t T = attention.num_tokens;
  const SequenceLayout layout(T, attention.attention_mask, attention.causal, {});
  const int64_t n = layout.size();
  if (n_ >= 0 && n != n_) {
    throw InputError("layer " + std::to_string(attention.layer) + " has " + std::to_string(n) +
                     " tokens; earlier layers of this text had " + std::to_string(n_));
  }
  n_ = n;
  RowGather gather(layout);
  for (int64_t h = 0; h < attention.num_heads; ++h) {
    if (!head_filter_.empty() && head_filter_.count(static_cast<int>(h)) == 0) continue;
    std::vector<float> dense(n * n, 0.0f);  // [query, key] over real tokens
    for (int64_t r = 0; r < n; ++r) {
      const auto keys = gather.row(attention.probs.data() + h * T * T, r);
      std::copy(keys.begin(), keys.end(), dense.begin() + r * n);
    }
    current_heads_.push_back({attention.layer, static_cast<int>(h)});
    rows_.push_back(std::move(dense));
  }
}

void HeadSimilarity::end_text() {
  if (texts_ == 0) {
    heads_ = current_heads_;
    sums_.assign(heads_.size() * heads_.size(), 0.0);
  } else if (current_heads_ != heads_) {
    throw InputError("text " + std::to_string(texts_ + 1) + " gave " +
                     std::to_string(current_heads_.size()) + " heads; the first text gave " +
                     std::to_string(heads_.size()));
  }
  const int64_t count = static_cast<int64_t>(heads_.size()), n = n_;
  // Pairs (a, b > a), spread over the cores by first head a.
  ops::parallel_for(count, 1, [&](int64_t first, int64_t last) {
    for (int64_t a = first; a < last; ++a) {
      for (int64_t b = a + 1; b < count; ++b) {
        double sum = 0;
        for (int64_t r = 0; r < n; ++r) {
          sum += js_divergence({rows_[a].data() + r * n, static_cast<size_t>(n)},
                               {rows_[b].data() + r * n, static_cast<size_t>(n)});
        }
        const double mean = n > 0 ? sum / static_cast<double>(n) : 0.0;
        sums_[a * count + b] += mean;
        sums_[b * count + a] += mean;
      }
    }
  });
  ++texts_;
  current_heads_.clear();
  rows_.clear();
  n_ = -1;
}

std::vector<double> HeadSimilarity::distances() const {
  if (texts_ == 0) throw InputError("head similarity needs at least one text");
  std::vector<double> out = sums_;
  for (double& v : out) v /= static_cast<double>(texts_);
  return out;
}

}  // namespace attnscope::analysis
