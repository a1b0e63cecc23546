// Every cap attnscope puts on sizes read from files or given by users, in one place. A hostile
// file must be refused before anything is allocated for it: each size read from a file is
// compared against its cap here (with checked arithmetic for products), and each cap is tested at
// and one past the limit (tests/hostile/limits). The caps sit well above every real model and
// tokenizer (largest known: 128 layers, 128 heads, hidden 16384, head_dim 256, vocab 262144,
// 10M positions) and far below what would exhaust memory.
//
//   check_limit("config.json: num_hidden_layers", layers, limits::kMaxLayers);  // LimitError
//   const uint64_t bytes = checked_mul(rows, cols, "attention matrix");          // LimitError
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace attnscope {
namespace limits {

// Parsing.
inline constexpr int kMaxJsonDepth = 128;                  // nesting of any JSON we read
inline constexpr uint64_t kMaxJsonFileBytes = 1ull << 30;  // config/tokenizer/index JSON files
inline constexpr uint64_t kMaxTextFileBytes = 1ull << 30;  // --input files, vocab files
inline constexpr size_t kMaxQuotedChars = 80;              // user data quoted in a message

// Model configuration (config.json).
inline constexpr int64_t kMaxLayers = 1024;
inline constexpr int64_t kMaxHeads = 1024;                // query or key/value heads
inline constexpr int64_t kMaxHiddenSize = 1 << 17;        // 131072
inline constexpr int64_t kMaxHeadDim = 1 << 14;           // 16384
inline constexpr int64_t kMaxIntermediateSize = 1 << 20;  // MLP width
inline constexpr int64_t kMaxVocabSize = 1 << 22;         // 4194304 tokens
inline constexpr int64_t kMaxPositions = 1 << 24;         // max_position_embeddings
inline constexpr int64_t kMaxTypeVocabSize = 1 << 16;     // BERT token types

// Tokenizers and texts.
inline constexpr int64_t kMaxTokenBytes = 1 << 16;           // one vocabulary entry / piece
inline constexpr int64_t kMaxTextBytes = 64ll << 20;         // one text to tokenize (64 MiB)
inline constexpr int64_t kMaxTokensPerText = kMaxTextBytes;  // tokens of one encoded text
inline constexpr int64_t kMaxPaddingLength = 1 << 20;        // padding/truncation lengths

}  // namespace limits

// Throws LimitError "<what> is <value>; the limit is <limit>" when value > limit.
void check_limit(std::string_view what, int64_t value, int64_t limit);
void check_limit(std::string_view what, uint64_t value, uint64_t limit);

// a * b and a + b for sizes; LimitError naming `what` on overflow (negative inputs included).
int64_t checked_mul(int64_t a, int64_t b, std::string_view what);
int64_t checked_add(int64_t a, int64_t b, std::string_view what);

}  // namespace attnscope
