// Token importance (METRICS.md "Token importance"): one score per real token, summing to 1.
// `raw` = attention received: the mean over layers, heads and counting (real) query rows of
// A[i][j], then normalised. It streams like StreamingStats: an observer keeping one running sum
// per token. (rollout, flow and norm are separate methods; see importance_method below.)
//
//   RawImportance raw;
//   model.forward(ids, {&raw});                 // or attention_file.replay(raw)
//   std::vector<double> scores = raw.scores();  // [T]; padding scores 0
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/observer.h"

namespace attnscope::analysis {

enum class ImportanceMethod { kRaw };

// "raw" -> kRaw. Throws UnsupportedError naming the methods available.
ImportanceMethod parse_importance_method(std::string_view name);
std::string_view importance_method_name(ImportanceMethod method);

struct TokenScore {
  int64_t position = 0;  // in the (padded) sequence
  std::string token;     // "" when token strings are unknown
  double score = 0;
};

class RawImportance : public AttentionObserver {
 public:
  void on_attention(const LayerAttention& attention) override;
  // [T] for one sequence of the batch: sums to 1 over real tokens, 0 on padding. Throws
  // InputError when that sequence was never seen.
  std::vector<double> scores(int64_t sequence = 0) const;

 private:
  struct Sums {
    std::vector<double> received;  // [key_pos] sum of the means over rows of A[i][j]
    std::vector<int64_t> mask;     // [T]
  };
  std::map<int64_t, Sums> sequences_;
};

// Pairs scores with token strings (over real positions) and sorts them, highest first (ties by
// position).
std::vector<TokenScore> rank_tokens(const std::vector<double>& scores,
                                    const std::vector<std::string>& tokens,
                                    const std::vector<int64_t>& attention_mask = {});

}  // namespace attnscope::analysis
