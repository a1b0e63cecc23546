#include "model/observer.h"

#include <string>

#include "core/error.h"
#include "core/progress.h"

namespace attnscope {

void AttentionRows::check_shape() const {
  if (num_heads < 0 || num_tokens < 0 || query_begin < 0 || query_begin > query_end ||
      query_end > num_tokens ||
      static_cast<int64_t>(probs.size()) != num_heads * rows() * num_tokens) {
    throw ShapeError("layer " + std::to_string(layer) + " attention rows",
                     {num_heads, rows(), num_tokens}, {static_cast<int64_t>(probs.size())});
  }
}

void LayerProgress::on_attention_rows(const AttentionRows& rows) {
  if (rows.sequence == 0 && rows.last()) progress_.advance();
}

AttentionRows whole_layer_rows(const LayerAttention& attention) {
  const int64_t tokens = attention.num_tokens;
  if (attention.num_heads < 0 || tokens < 0 ||
      static_cast<int64_t>(attention.probs.size()) != attention.num_heads * tokens * tokens) {
    throw ShapeError("layer " + std::to_string(attention.layer) + " attention",
                     {attention.num_heads, tokens, tokens},
                     {static_cast<int64_t>(attention.probs.size())});
  }
  AttentionRows rows;
  rows.layer = attention.layer;
  rows.sequence = attention.sequence;
  rows.num_heads = attention.num_heads;
  rows.num_tokens = tokens;
  rows.causal = attention.causal;
  rows.query_begin = 0;
  rows.query_end = tokens;
  rows.probs = attention.probs;
  rows.attention_mask = attention.attention_mask;
  return rows;
}

void RowObserver::on_attention(const LayerAttention& attention) {
  on_attention_rows(whole_layer_rows(attention));
}

}  // namespace attnscope
