// Token importance (METRICS.md "Token importance"): one score per real token, summing to 1.
// `raw` = attention received: the mean over layers, heads and counting (real) query rows of
// A[i][j], then normalised; with `visible_only` the mean runs over the rows that can see j
// (i >= j for causal models), which removes the causal bias toward early tokens. It streams
// like StreamingStats: a row observer keeping one running sum per token (and per head while a
// layer's blocks arrive). `rollout` and `flow` (rollout.h, flow.h) keep the head mean of every
// layer (L·T² floats, not L·H·T²); `norm` (norm_importance.h) needs value
// vectors from a live forward pass. TokenImportance runs raw, rollout or flow as one observer.
//
//   RawImportance raw;
//   model.forward(ids, {&raw});                 // or attention_file.replay(raw)
//   std::vector<double> scores = raw.scores();  // [T]; padding scores 0
//
//   TokenImportance flow(ImportanceMethod::kFlow, {.target = 3});
//   model.forward(ids, {&flow});
//   std::vector<double> f = flow.scores();      // [T]
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/observer.h"

namespace attnscope::analysis {

enum class ImportanceMethod { kRaw, kRollout, kFlow, kNorm };

inline constexpr ImportanceMethod kImportanceMethods[] = {
    ImportanceMethod::kRaw, ImportanceMethod::kRollout, ImportanceMethod::kFlow,
    ImportanceMethod::kNorm};

// "raw" | "rollout" | "flow" | "norm". Throws UnsupportedError naming the methods available.
ImportanceMethod parse_importance_method(std::string_view name);
std::string_view importance_method_name(ImportanceMethod method);

struct ImportanceOptions {
  // rollout / flow: the query position (in the padded sequence) whose row is read; default the
  // last real token for causal models, the first ([CLS]) for encoders.
  std::optional<int64_t> target;
  // raw: the mean over the query rows that can see each key (METRICS.md's corrected variant).
  bool visible_only = false;
  // Model layer and head numbers that take part (means, rollout product, flow graph); empty =
  // all.
  std::set<int> layers;
  std::set<int> heads;
};

struct TokenScore {
  int64_t position = 0;  // in the (padded) sequence
  std::string token;     // "" when token strings are unknown
  double score = 0;
};

class RawImportance : public RowObserver {
 public:
  explicit RawImportance(bool visible_only = false) : visible_only_(visible_only) {}
  void on_attention_rows(const AttentionRows& rows) override;
  // [T] for one sequence of the batch: sums to 1 over real tokens, 0 on padding. Throws
  // InputError when that sequence was never seen.
  std::vector<double> scores(int64_t sequence = 0) const;

 private:
  struct Sums {
    std::vector<double> received;  // [key_pos] sum of the means over rows of A[i][j]
    std::vector<int64_t> mask;     // [T]
  };
  // The (layer, sequence) whose blocks of rows are arriving: each head's sums over its rows
  // ([head, key] over real tokens, heads summed in order at the layer's last block).
  struct Pending {
    int layer = 0;
    int64_t sequence = 0;
    std::vector<int64_t> real_positions;
    std::vector<int64_t> real_index;  // [padded position] -> real index, -1 for padding
    int64_t heads = 0;
    std::vector<double> head_sums;  // [head, key]
  };
  bool visible_only_;
  std::map<int64_t, Sums> sequences_;
  std::optional<Pending> pending_;
};

class ResidualAttention;

// raw, rollout or flow of one sequence as a single observer (norm: NormImportance). Takes
// blocks of query rows, so a forward pass running it holds no whole layer.
class TokenImportance : public RowObserver {
 public:
  // UnsupportedError for kNorm (it needs value vectors; see norm_importance.h).
  explicit TokenImportance(ImportanceMethod method, ImportanceOptions options = {},
                           int64_t sequence = 0);
  ~TokenImportance() override;
  void on_attention_rows(const AttentionRows& rows) override;
  // rollout and flow keep one T x T matrix per layer (ResidualAttention); raw keeps sums.
  uint64_t kept_bytes(int64_t tokens, int64_t layers) const override;
  // [T] over the padded sequence, summing to 1 over real tokens. InputError when nothing was
  // seen or the target is invalid; LimitError when flow's input is above its size limit.
  std::vector<double> scores() const;

 private:
  ImportanceMethod method_;
  ImportanceOptions options_;
  int64_t sequence_;
  RawImportance raw_;
  std::unique_ptr<ResidualAttention> residual_;
  std::vector<float> selected_;  // [selected head, row, key_pos] with a head filter
};

// Spearman's rank correlation of two score lists of equal length (average ranks for ties);
// NaN when either is constant or shorter than 2.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

// Pairs scores with token strings (over real positions) and sorts them, highest first (ties by
// position).
std::vector<TokenScore> rank_tokens(const std::vector<double>& scores,
                                    const std::vector<std::string>& tokens,
                                    const std::vector<int64_t>& attention_mask = {});

}  // namespace attnscope::analysis
