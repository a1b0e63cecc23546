#include "analysis/probes.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace attnscope::analysis {

std::string_view probe_score_name(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kPreviousToken:
      return "previous_token_score";
    case ProbeKind::kDuplicateToken:
      return "duplicate_token_score";
    case ProbeKind::kInduction:
      return "induction_score";
  }
  return "unknown";
}

std::string_view probe_pattern_name(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kPreviousToken:
      return "previous";
    case ProbeKind::kDuplicateToken:
      return "duplicate";
    case ProbeKind::kInduction:
      return "induction";
  }
  return "unknown";
}

double HeadProbe::score(ProbeKind kind) const {
  switch (kind) {
    case ProbeKind::kPreviousToken:
      return previous_token_score;
    case ProbeKind::kDuplicateToken:
      return duplicate_token_score;
    case ProbeKind::kInduction:
      return induction_score;
  }
  return 0;
}

std::string HeadProbe::pattern(double threshold) const {
  // Listed so that equal scores go to the more specific circuit.
  const ProbeKind order[] = {ProbeKind::kInduction, ProbeKind::kDuplicateToken,
                             ProbeKind::kPreviousToken};
  std::string best;
  double best_score = 0;
  for (ProbeKind kind : order) {
    if (score(kind) >= threshold && (best.empty() || score(kind) > best_score)) {
      best = std::string(probe_pattern_name(kind));
      best_score = score(kind);
    }
  }
  return best;
}

namespace {

uint64_t split_mix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<int64_t> probe_sequence(const std::vector<int64_t>& ordinary_ids,
                                    std::optional<int64_t> bos_id, int64_t n, uint64_t seed) {
  if (ordinary_ids.empty()) throw InputError("the vocabulary has no ordinary tokens to probe with");
  uint64_t state = seed;
  std::vector<int64_t> half(n);
  for (int64_t& id : half) id = ordinary_ids[split_mix64(state) % ordinary_ids.size()];
  std::vector<int64_t> out;
  if (bos_id) out.push_back(*bos_id);
  out.insert(out.end(), half.begin(), half.end());
  out.insert(out.end(), half.begin(), half.end());
  return out;
}

void ProbeScores::on_attention_rows(const AttentionRows& rows) {
  const int64_t T = rows.num_tokens, heads = rows.num_heads;
  if (T != offset_ + 2 * n_) {
    throw InputError("probe attention has " + std::to_string(T) + " tokens; expected " +
                     std::to_string(offset_ + 2 * n_));
  }
  rows.check_shape();
  auto it = std::find_if(layers_.begin(), layers_.end(),
                         [&](const Sums& s) { return s.layer == rows.layer; });
  if (it == layers_.end()) {
    Sums s;
    s.layer = rows.layer;
    s.previous.assign(heads, 0.0);
    s.duplicate.assign(heads, 0.0);
    s.induction.assign(heads, 0.0);
    layers_.push_back(std::move(s));
    it = layers_.end() - 1;
  } else if (static_cast<int64_t>(it->previous.size()) != heads) {
    throw InputError("layer " + std::to_string(rows.layer) + " has " + std::to_string(heads) +
                     " heads; earlier sequences had " + std::to_string(it->previous.size()));
  }
  // The second-half query positions inside this block.
  const int64_t first = std::max(rows.query_begin, offset_ + n_);
  const int64_t last = std::min(rows.query_end, offset_ + 2 * n_);
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = first; i < last; ++i) {
      const float* a = rows.row(h, i);  // [key_pos]
      it->previous[h] += a[i - 1];
      it->duplicate[h] += a[i - n_];
      it->induction[h] += a[i - n_ + 1];
    }
  }
  if (rows.last()) it->rows += n_;
}

std::vector<HeadProbe> ProbeScores::heads() const {
  std::vector<HeadProbe> out;
  for (const Sums& s : layers_) {
    const double rows = static_cast<double>(std::max<int64_t>(s.rows, 1));
    for (size_t h = 0; h < s.previous.size(); ++h) {
      HeadProbe p;
      p.layer = s.layer;
      p.head = static_cast<int>(h);
      p.previous_token_score = s.previous[h] / rows;
      p.duplicate_token_score = s.duplicate[h] / rows;
      p.induction_score = s.induction[h] / rows;
      out.push_back(p);
    }
  }
  return out;
}

ProbeResult run_probes(AttentionSource& source, const ProbeOptions& options) {
  if (options.n < 2 || 2 * options.n + 1 > kMaxProbeTokens) {
    throw InputError("probe length n must be in [2, " + std::to_string((kMaxProbeTokens - 1) / 2) +
                     "], got " + std::to_string(options.n));
  }
  if (options.batches < 1 || options.batches > kMaxProbeBatches) {
    throw InputError("probe batches must be in [1, " + std::to_string(kMaxProbeBatches) +
                     "], got " + std::to_string(options.batches));
  }
  ProbeResult result;
  result.options = options;
  result.bos_id = source.bos_id();
  const std::vector<int64_t> ordinary = source.ordinary_ids();
  ProbeScores scores(options.n, result.bos_id ? 1 : 0);
  AttentionObserver* observers[] = {&scores};
  for (int64_t b = 0; b < options.batches; ++b) {
    const std::vector<int64_t> ids =
        probe_sequence(ordinary, result.bos_id, options.n, options.seed + static_cast<uint64_t>(b));
    source.run(source.encode_ids(ids), observers);
  }
  result.heads = scores.heads();
  return result;
}

std::vector<HeadProbe> ranked_by(std::vector<HeadProbe> heads, ProbeKind kind) {
  std::stable_sort(heads.begin(), heads.end(), [kind](const HeadProbe& a, const HeadProbe& b) {
    return a.score(kind) > b.score(kind);
  });
  return heads;
}

}  // namespace attnscope::analysis
