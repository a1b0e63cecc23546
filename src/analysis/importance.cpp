#include "analysis/importance.h"

#include <algorithm>

#include "analysis/sequence_layout.h"
#include "core/error.h"

namespace attnscope::analysis {

ImportanceMethod parse_importance_method(std::string_view name) {
  if (name == "raw") return ImportanceMethod::kRaw;
  throw UnsupportedError("importance method '" + std::string(name) +
                         "' is not available; available: raw");
}

std::string_view importance_method_name(ImportanceMethod method) {
  switch (method) {
    case ImportanceMethod::kRaw:
      return "raw";
  }
  return "unknown";
}

void RawImportance::on_attention(const LayerAttention& attention) {
  const int64_t tokens = attention.num_tokens;
  if (static_cast<int64_t>(attention.probs.size()) != attention.num_heads * tokens * tokens) {
    throw ShapeError("layer " + std::to_string(attention.layer) + " attention",
                     {attention.num_heads, tokens, tokens},
                     {static_cast<int64_t>(attention.probs.size())});
  }
  const SequenceLayout layout(tokens, attention.attention_mask, attention.causal, {});
  Sums& sums = sequences_[attention.sequence];
  if (sums.received.empty()) {
    sums.received.assign(tokens, 0.0);
    sums.mask.assign(attention.attention_mask.begin(), attention.attention_mask.end());
  } else if (static_cast<int64_t>(sums.received.size()) != tokens) {
    throw InputError("layer " + std::to_string(attention.layer) + " has " + std::to_string(tokens) +
                     " tokens; earlier layers had " + std::to_string(sums.received.size()));
  }
  const int64_t n = layout.size();
  if (n == 0) return;
  RowGather rows(layout);
  std::vector<double> layer_sum(n, 0.0);  // [key_pos] over real tokens
  for (int64_t head = 0; head < attention.num_heads; ++head) {
    const float* head_probs = attention.probs.data() + head * tokens * tokens;
    for (int64_t r = 0; r < n; ++r) {
      const auto keys = rows.row(head_probs, r);
      for (size_t k = 0; k < keys.size(); ++k) layer_sum[k] += keys[k];
    }
  }
  // Each (layer, head) contributes its mean over the n counting rows.
  const double per_head_rows = static_cast<double>(n);
  for (int64_t k = 0; k < n; ++k) sums.received[layout.position(k)] += layer_sum[k] / per_head_rows;
}

std::vector<double> RawImportance::scores(int64_t sequence) const {
  const auto it = sequences_.find(sequence);
  if (it == sequences_.end()) {
    throw InputError("no attention was seen for sequence " + std::to_string(sequence));
  }
  std::vector<double> out = it->second.received;
  double total = 0;
  for (double v : out) total += v;
  if (total > 0) {
    for (double& v : out) v /= total;
  }
  return out;
}

std::vector<TokenScore> rank_tokens(const std::vector<double>& scores,
                                    const std::vector<std::string>& tokens,
                                    const std::vector<int64_t>& attention_mask) {
  std::vector<TokenScore> out;
  for (size_t pos = 0; pos < scores.size(); ++pos) {
    if (!attention_mask.empty() && attention_mask[pos] == 0) continue;
    TokenScore s;
    s.position = static_cast<int64_t>(pos);
    s.token = pos < tokens.size() ? tokens[pos] : "";
    s.score = scores[pos];
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const TokenScore& a, const TokenScore& b) { return a.score > b.score; });
  return out;
}

}  // namespace attnscope::analysis
