// Norm-based importance on a tiny model of each family (GQA and MQA included): NormImportance
// from the fast forward pass equals (1) a direct computation of METRICS.md's formula,
// ‖A[i][j] · (v_j W_O^{head})‖ per (layer, head, row, key), from the value vectors the forward
// pass lends, and (2) NormImportance over the reference forward, whose value vectors come from
// its own plain loops.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/norm_importance.h"
#include "core/error.h"
#include "model/model.h"
#include "support/shared_data.h"

namespace attnscope::analysis {
namespace {

// The formula term by term, over every (layer, head, real row i, visible key j); no padding.
class DirectNorm : public AttentionObserver {
 public:
  explicit DirectNorm(const Model& model) : model_(model) {}
  void on_attention(const LayerAttention& a) override {
    const ModelConfig& c = model_.config();
    const int64_t T = a.num_tokens, hd = a.head_dim, group = a.num_heads / a.num_kv_heads;
    const Tensor w_o_f32 = model_.weights().layers[a.layer].attn_out_weight.to_tensor();
    const float* w_o = w_o_f32.data();  // [hidden, q_dim]
    if (received.empty()) received.assign(T, 0.0);
    for (int64_t h = 0; h < a.num_heads; ++h) {
      for (int64_t i = 0; i < T; ++i) {
        for (int64_t j = 0; j < T; ++j) {
          const double weight = a.probs[(h * T + i) * T + j];
          const float* v = a.values.data() + j * a.value_row_stride + (h / group) * hd;
          double norm2 = 0;
          for (int64_t o = 0; o < c.hidden_size; ++o) {
            double sum = 0;
            for (int64_t d = 0; d < hd; ++d) sum += weight * w_o[o * c.q_dim() + h * hd + d] * v[d];
            norm2 += sum * sum;
          }
          received[j] += std::sqrt(norm2) / static_cast<double>(T);
        }
      }
    }
  }
  std::vector<double> scores() const {
    double total = 0;
    for (double v : received) total += v;
    std::vector<double> out = received;
    for (double& v : out) v /= total;
    return out;
  }
  std::vector<double> received;

 private:
  const Model& model_;
};

TEST(NormImportance, EqualsDirectFormulaAndReferenceForwardOnEveryFamily) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  int checked = 0;
  for (const char* name :
       {"tiny-gpt2", "tiny-bert", "tiny-roberta", "tiny-distilbert", "tiny-llama", "tiny-mistral",
        "tiny-qwen2", "tiny-gemma", "tiny-gpt-neox", "stories260k-hf"}) {
    const auto folder = shared / "models" / name;
    if (!std::filesystem::exists(folder)) continue;
    const Model model = Model::load(folder.string());
    const ForwardInput input = ForwardInput::single({3, 17, 5, 42, 9, 11, 7});
    NormImportance fast(model);
    DirectNorm direct(model);
    AttentionObserver* observers[] = {&fast, &direct};
    model.forward(input, observers);
    NormImportance reference(model);
    AttentionObserver* reference_observers[] = {&reference};
    reference_forward(model.config(), model.weights(), input, reference_observers);
    const auto f = fast.scores(), d = direct.scores(), r = reference.scores();
    ASSERT_EQ(f.size(), 7u) << name;
    double total = 0;
    for (size_t k = 0; k < f.size(); ++k) {
      EXPECT_NEAR(f[k], d[k], 1e-6) << name << " position " << k;
      EXPECT_NEAR(f[k], r[k], 1e-5) << name << " position " << k;
      EXPECT_GT(f[k], 0.0) << name << " position " << k;
      total += f[k];
    }
    EXPECT_NEAR(total, 1.0, 1e-9) << name;
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

TEST(NormImportance, RefusesAttentionWithoutValueVectors) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const Model model = Model::load((shared / "models/tiny-gpt2").string());
  NormImportance norm(model);
  std::vector<float> probs(model.config().num_attention_heads * 4, 1.0f);
  LayerAttention a;
  a.num_heads = model.config().num_attention_heads;
  a.num_tokens = 2;
  a.probs = probs;
  EXPECT_THROW(norm.on_attention(a), UnsupportedError);
  EXPECT_THROW(norm.scores(), InputError);
}

}  // namespace
}  // namespace attnscope::analysis
