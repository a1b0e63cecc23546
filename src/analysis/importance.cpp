#include "analysis/importance.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "analysis/flow.h"
#include "analysis/rollout.h"
#include "analysis/sequence_layout.h"
#include "core/error.h"
#include "ops/parallel.h"

namespace attnscope::analysis {

ImportanceMethod parse_importance_method(std::string_view name) {
  for (ImportanceMethod m : kImportanceMethods) {
    if (importance_method_name(m) == name) return m;
  }
  throw UnsupportedError("importance method '" + std::string(name) +
                         "' is not available; available: raw, rollout, flow, norm");
}

std::string_view importance_method_name(ImportanceMethod method) {
  switch (method) {
    case ImportanceMethod::kRaw:
      return "raw";
    case ImportanceMethod::kRollout:
      return "rollout";
    case ImportanceMethod::kFlow:
      return "flow";
    case ImportanceMethod::kNorm:
      return "norm";
  }
  return "unknown";
}

void RawImportance::on_attention_rows(const AttentionRows& rows) {
  const int64_t tokens = rows.num_tokens, heads = rows.num_heads;
  rows.check_shape();
  if (rows.query_begin == 0) {
    const SequenceLayout layout(tokens, rows.attention_mask, rows.causal, {});
    Sums& sums = sequences_[rows.sequence];
    if (sums.received.empty()) {
      sums.received.assign(tokens, 0.0);
      sums.mask.assign(rows.attention_mask.begin(), rows.attention_mask.end());
    } else if (static_cast<int64_t>(sums.received.size()) != tokens) {
      throw InputError("layer " + std::to_string(rows.layer) + " has " + std::to_string(tokens) +
                       " tokens; earlier layers had " + std::to_string(sums.received.size()));
    }
    Pending p;
    p.layer = rows.layer;
    p.sequence = rows.sequence;
    p.real_positions = layout.real_positions();
    p.real_index.resize(tokens);
    for (int64_t pos = 0; pos < tokens; ++pos) p.real_index[pos] = layout.real_index(pos);
    p.heads = heads;
    p.head_sums.assign(heads * layout.size(), 0.0);
    pending_ = std::move(p);
  } else if (!pending_ || pending_->layer != rows.layer || pending_->sequence != rows.sequence ||
             pending_->heads != heads) {
    throw InputError("layer " + std::to_string(rows.layer) + ": query rows from " +
                     std::to_string(rows.query_begin) +
                     " arrived without the rows before them (blocks must come in query order)");
  }
  Pending& p = *pending_;
  const auto n = static_cast<int64_t>(p.real_positions.size());
  // Each head's column sums over its real rows (the visible keys of each), heads in parallel.
  ops::parallel_for(heads, 1, [&](int64_t first, int64_t last) {
    for (int64_t h = first; h < last; ++h) {
      double* sum = p.head_sums.data() + h * n;  // [key] over real tokens
      for (int64_t q = rows.query_begin; q < rows.query_end; ++q) {
        const int64_t r = p.real_index[q];
        if (r < 0) continue;
        const float* row = rows.row(h, q);  // [key_pos]
        const int64_t visible = rows.causal ? r + 1 : n;
        for (int64_t k = 0; k < visible; ++k) sum[k] += row[p.real_positions[k]];
      }
    }
  });
  if (!rows.last()) return;
  Pending done = std::move(p);
  pending_.reset();
  if (n == 0) return;
  // Each (layer, head) contributes its mean over the counting rows: all n real rows, or with
  // visible_only the rows that can see key k (n - k of them when causal).
  Sums& sums = sequences_[done.sequence];
  const bool visible_rows = visible_only_ && rows.causal;
  for (int64_t k = 0; k < n; ++k) {
    double layer_sum = 0;
    for (int64_t h = 0; h < done.heads; ++h) layer_sum += done.head_sums[h * n + k];
    const double rows_counted = static_cast<double>(visible_rows ? n - k : n);
    sums.received[done.real_positions[k]] += layer_sum / rows_counted;
  }
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

TokenImportance::TokenImportance(ImportanceMethod method, ImportanceOptions options,
                                 int64_t sequence)
    : method_(method),
      options_(options),
      sequence_(sequence),
      raw_(options.visible_only),
      residual_(std::make_unique<ResidualAttention>(sequence)) {
  if (method == ImportanceMethod::kNorm) {
    throw UnsupportedError(
        "importance method 'norm' needs value vectors from a live forward pass (NormImportance); "
        "it cannot run from attention alone, e.g. a saved attention file");
  }
}

TokenImportance::~TokenImportance() = default;

void TokenImportance::on_attention_rows(const AttentionRows& rows) {
  if (rows.sequence != sequence_) return;
  if (!options_.layers.empty() && options_.layers.count(rows.layer) == 0) return;
  AttentionRows view = rows;
  if (!options_.heads.empty()) {
    // A copy of the selected heads' rows only, so the means run over them.
    const int64_t block = rows.rows() * rows.num_tokens;
    if (static_cast<int64_t>(rows.probs.size()) != rows.num_heads * block) {
      throw ShapeError("layer " + std::to_string(rows.layer) + " attention rows",
                       {rows.num_heads, rows.rows(), rows.num_tokens},
                       {static_cast<int64_t>(rows.probs.size())});
    }
    selected_.clear();
    for (int head : options_.heads) {
      if (head < 0 || head >= rows.num_heads) {
        throw InputError("head " + std::to_string(head) + " is outside [0, " +
                         std::to_string(rows.num_heads) + ")");
      }
      const auto first = rows.probs.begin() + head * block;
      selected_.insert(selected_.end(), first, first + block);
    }
    view.num_heads = static_cast<int64_t>(options_.heads.size());
    view.probs = selected_;
  }
  if (method_ == ImportanceMethod::kRaw) {
    raw_.on_attention_rows(view);
  } else {
    residual_->on_attention_rows(view);
  }
}

uint64_t TokenImportance::kept_bytes(int64_t tokens, int64_t layers) const {
  if (method_ == ImportanceMethod::kRaw) return 0;
  const int64_t kept =
      options_.layers.empty() ? layers : static_cast<int64_t>(options_.layers.size());
  return residual_->kept_bytes(tokens, kept);
}

std::vector<double> TokenImportance::scores() const {
  if (method_ == ImportanceMethod::kRaw) return raw_.scores(sequence_);
  if (!residual_->seen()) {
    throw InputError("no attention was seen for sequence " + std::to_string(sequence_));
  }
  const ResidualAttention& r = *residual_;
  const int64_t target =
      resolve_target(options_.target, r.real_positions(), r.padded_tokens(), r.causal());
  const std::vector<double> real = method_ == ImportanceMethod::kRollout
                                       ? rollout(r.layers(), r.size(), target)
                                       : attention_flow(r.layers(), r.size(), target);
  std::vector<double> out(r.padded_tokens(), 0.0);
  for (int64_t k = 0; k < r.size(); ++k) out[r.real_positions()[k]] = real[k];
  return out;
}

namespace {

// 1-based ranks, ties sharing their average rank.
std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

}  // namespace

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) {
    throw InputError("spearman: " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
                     " values; expected equal lengths");
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (a.size() < 2) return nan;
  const std::vector<double> ra = average_ranks(a), rb = average_ranks(b);
  const double mean = (static_cast<double>(a.size()) + 1) / 2;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) * (ra[i] - mean);
    sbb += (rb[i] - mean) * (rb[i] - mean);
  }
  if (saa == 0 || sbb == 0) return nan;
  return sab / std::sqrt(saa * sbb);
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
