// Comparison of two attention runs (`attnscope compare`): two texts through one model, or one
// text through two models that share a tokenizer. Per head: each statistic of `analyze`
// (figures.h) in both runs and its change (b - a), the patterns, and the mean Jensen–Shannon
// divergence (similarity.h) between the two attention maps over the rows where the tokens line
// up; the heads ranked by that divergence, most changed first.
//
// Lining up: the two token-id sequences are aligned by their longest common subsequence; a
// query row counts when its token is aligned, and each such row is restricted to the aligned
// keys and renormalised before the divergence (rows with no weight there are skipped). Two
// models on the same text line up everywhere, so the divergence is the plain row-wise JS.
//
// Memory: run a is kept whole (L·H·n² floats) while run b streams past it layer by layer.
//
//   Comparison c = compare_texts(analyzer.source(), a, b);
//   Comparison m = compare_models(source_1, source_2, text);
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analysis/attention_source.h"
#include "analysis/figures.h"

namespace attnscope::analysis {

struct HeadComparison {
  int layer = 0;
  int head = 0;
  HeadFigures a, b;  // the statistics of each run
  std::string pattern_a, pattern_b;
  double js = 0;  // mean JS divergence over aligned rows (NaN: no aligned row)
};

struct Comparison {
  std::string model_a, model_b;
  std::vector<std::string> tokens_a, tokens_b;
  // (position in a, position in b) of the tokens that line up.
  std::vector<std::pair<int64_t, int64_t>> aligned;
  std::vector<HeadComparison> heads;  // layer, head order
};

// The alignment table's size limit (n·m int32 cells: 128 MiB; two texts of ~5,800 tokens).
inline constexpr int64_t kMaxAlignmentCells = int64_t{1} << 25;

// Longest-common-subsequence alignment of two id sequences (LimitError above
// kMaxAlignmentCells).
std::vector<std::pair<int64_t, int64_t>> align_tokens(const std::vector<int64_t>& a,
                                                      const std::vector<int64_t>& b);

// Two texts through one model.
Comparison compare_texts(AttentionSource& source, const EncodedText& a, const EncodedText& b);
// One input through two models: InputError unless both have the same layers and heads.
Comparison compare_models(AttentionSource& a, AttentionSource& b, const EncodedText& input_a,
                          const EncodedText& input_b);

// The heads sorted by js, highest first (NaN last).
std::vector<HeadComparison> most_changed(std::vector<HeadComparison> heads);

}  // namespace attnscope::analysis
