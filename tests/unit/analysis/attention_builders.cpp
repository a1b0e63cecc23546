#include "attention_builders.h"

#include <cmath>
#include <random>

namespace attnscope::analysis::testing {

Matrix identity(int64_t n) {
  Matrix m(n, std::vector<float>(n, 0.0f));
  for (int64_t i = 0; i < n; ++i) m[i][i] = 1.0f;
  return m;
}

Matrix shifted_identity(int64_t n) {
  Matrix m(n, std::vector<float>(n, 0.0f));
  for (int64_t i = 0; i < n; ++i) m[i][i == 0 ? 0 : i - 1] = 1.0f;
  return m;
}

Matrix uniform(int64_t n, bool causal) {
  Matrix m(n, std::vector<float>(n, 0.0f));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t visible = causal ? i + 1 : n;
    for (int64_t j = 0; j < visible; ++j) m[i][j] = 1.0f / static_cast<float>(visible);
  }
  return m;
}

Matrix column(int64_t n, int64_t column) {
  Matrix m(n, std::vector<float>(n, 0.0f));
  for (int64_t i = 0; i < n; ++i) m[i][column] = 1.0f;
  return m;
}

Matrix random_rows(int64_t n, bool causal, uint32_t seed, double sharpness) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, sharpness);
  Matrix m(n, std::vector<float>(n, 0.0f));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t visible = causal ? i + 1 : n;
    std::vector<double> e(visible);
    double sum = 0;
    for (auto& x : e) {
      x = std::exp(normal(rng));
      sum += x;
    }
    for (int64_t j = 0; j < visible; ++j) m[i][j] = static_cast<float>(e[j] / sum);
  }
  return m;
}

LayerAttention LayerBuffer::view(int layer, bool causal, int64_t sequence) const {
  LayerAttention a;
  a.layer = layer;
  a.sequence = sequence;
  a.num_heads = heads;
  a.num_tokens = tokens;
  a.causal = causal;
  a.probs = probs;
  a.attention_mask = mask;
  return a;
}

LayerBuffer make_layer(const std::vector<Matrix>& heads, std::vector<int64_t> mask) {
  LayerBuffer buffer;
  buffer.heads = static_cast<int64_t>(heads.size());
  buffer.tokens = heads.empty() ? 0 : static_cast<int64_t>(heads[0].size());
  buffer.mask = std::move(mask);
  for (const Matrix& m : heads) {
    for (const auto& row : m) buffer.probs.insert(buffer.probs.end(), row.begin(), row.end());
  }
  return buffer;
}

Matrix pad(const Matrix& real, const std::vector<int64_t>& mask) {
  const int64_t padded = static_cast<int64_t>(mask.size());
  std::vector<int64_t> positions;
  for (int64_t p = 0; p < padded; ++p) {
    if (mask[p] != 0) positions.push_back(p);
  }
  Matrix m(padded, std::vector<float>(padded, 0.0f));
  for (size_t r = 0; r < positions.size(); ++r) {
    for (size_t k = 0; k < positions.size(); ++k) m[positions[r]][positions[k]] = real[r][k];
  }
  for (int64_t p = 0; p < padded; ++p) {
    if (mask[p] != 0) continue;
    for (int64_t key : positions) m[p][key] = 1.0f / static_cast<float>(positions.size());
  }
  return m;
}

}  // namespace attnscope::analysis::testing
