// Closed-form construction of the demo model's weights. docs/demo-model.md derives every number
// here; the short version:
//   * Every embedding has the same norm, so layer 0's RMSNorm scales all positions alike and a
//     head whose query and key read only the constant dimension sees scores that depend on the
//     relative position alone: score(d) = Σ_p A_p cos(d·θ_p − φ_p) over rotary planes p.
//   * The <s> embedding has its own dimension; a key reading it makes a sink.
//   * Layer 0's previous-token head copies the previous token's code into the residual stream;
//     layer 1's induction head matches the current token's code against it, in rotary planes
//     slow enough (θ·1024 <= 0.33) that the match hardly depends on the distance.
// Random parts come from a SplitMix64 stream seeded by the tensor name, turned into floats with
// exact integer arithmetic, so the bytes never depend on a standard library's distributions.
#include "demo/weights.h"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include "demo/demo_model.h"
#include "demo/vocabulary.h"

namespace attnscope::demo {
namespace {

constexpr int64_t kD = kDemoHiddenSize;
constexpr int64_t kHalf = kDemoHeadDim / 2;  // rotary planes per head

static_assert(kPreviousBegin == kTokenBegin + kCodeDims);
static_assert(kPreviousBosDim == kPreviousBegin + kCodeDims);
static_assert(kInductionBegin == kPreviousBosDim + 1);
static_assert(kJunkBegin == kInductionBegin + kCodeDims);
static_assert(kContentPlaneBegin + kCodeDims / 2 == kSinkPlane);
static_assert(kSinkPlane == kHalf - 1);
static_assert(kJunkBegin < kD);

// Per-plane weights of the relative-position kernels (planes 0..10, sum 1): the solution of
// "maximise min over offsets m = 1..1023 of Σ_p A_p (1 − cos(m·θ_p))" for rope_theta 1e8
// (tools/demo/prototype.py solves it); the minimum is 0.274, reached at m = ±1.
constexpr std::array<double, kPositionalPlanes> kKernelWeights = {
    0.5624, 0.0800, 0.0493, 0.0336, 0.0436, 0.0620, 0.0100, 0.0550, 0.0441, 0.0323, 0.0278};

// Norm of every embedding row is sqrt(2) (constant dim 1 plus a unit code or the <s> dim), and
// layer 0 adds a unit previous-token code, so RMSNorm multiplies by these (weights are ones).
const double kLayer0Scale = std::sqrt(static_cast<double>(kD) / 2.0);
const double kLayer1Scale = std::sqrt(static_cast<double>(kD) / 3.0);

// Random-head and MLP scales (standard deviations of the uniform entries).
constexpr double kRandomQkStd = 0.108;   // score std ≈ 256·σ² ≈ 3
constexpr double kBroadQkStd = 0.034;    // score std ≈ 0.3: near-uniform rows
constexpr double kValueStd = 1.0 / 128;  // |v| ≈ 1
constexpr double kJunkOutStd = 0.0122;   // head output norm ≈ 0.15, written to junk dims only
constexpr double kMlpInStd = 1.0 / 16;   // gate/up pre-activations ≈ N(0, 1)
constexpr double kMlpOutStd = 0.002;     // MLP output norm ≈ 0.15, junk dims only
constexpr double kUnembedScale = 1.5;    // lm_head: logit ≈ 13 for the induced token

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform on [-1, 1) in steps of 2^-23 (exact in float and double).
  double symmetric() {
    const auto bits = static_cast<int64_t>(next() >> 40);  // 24 bits
    return static_cast<double>(bits - (int64_t{1} << 23)) / static_cast<double>(1 << 23);
  }
  // Uniform with standard deviation `std`.
  double uniform(double std) { return symmetric() * std * std::sqrt(3.0); }

 private:
  uint64_t state_;
};

uint64_t seed_of(std::string_view name) {  // FNV-1a
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// Rotary angle per position of plane p, as Hugging Face computes it (f32).
double plane_frequency(int64_t plane) {
  const float exponent = static_cast<float>(2 * plane) / static_cast<float>(kDemoHeadDim);
  return 1.0f / std::pow(static_cast<float>(kDemoRopeTheta), exponent);
}

// Head dims of code entry c in a content-matching head: plane kContentPlaneBegin + c/2, first
// or second half.
int64_t content_dim(int64_t c) { return kContentPlaneBegin + c / 2 + (c % 2) * kHalf; }

std::string layer_name(int64_t layer, std::string_view suffix) {
  return "model.layers." + std::to_string(layer) + "." + std::string(suffix);
}

// One layer's attention projections, [out, in] each.
struct AttentionWeights {
  Tensor q{{kD, kD}}, k{{kD, kD}}, v{{kD, kD}}, o{{kD, kD}};
};

// Relative-position head: scores peak at query_pos − key_pos = offset with margin ≥ 0.274·gap.
void positional_head(AttentionWeights& w, int64_t head, int64_t offset) {
  for (int64_t p = 0; p < kPositionalPlanes; ++p) {
    // Per plane, score = |q||k|/sqrt(head_dim) · cos(d·θ − offset·θ): q leads k by −offset·θ.
    const double amplitude =
        std::sqrt(kPositionalGap * kKernelWeights[p] * std::sqrt(double(kDemoHeadDim)));
    const double phase = -static_cast<double>(offset) * plane_frequency(p);
    const int64_t row = head * kDemoHeadDim + p;
    w.q.at({row, kConstDim}) = static_cast<float>(amplitude * std::cos(phase) / kLayer0Scale);
    w.q.at({row + kHalf, kConstDim}) =
        static_cast<float>(amplitude * std::sin(phase) / kLayer0Scale);
    w.k.at({row, kConstDim}) = static_cast<float>(amplitude / kLayer0Scale);
  }
}

// Sink head: query constant, key = <s> flag, in the slowest plane: score `score` on <s>, 0
// elsewhere.
void sink_qk(AttentionWeights& w, int64_t head, double score, double scale) {
  const double amplitude = std::sqrt(score * std::sqrt(double(kDemoHeadDim))) / scale;
  const int64_t row = head * kDemoHeadDim + kSinkPlane;
  w.q.at({row, kConstDim}) = static_cast<float>(amplitude);
  w.k.at({row, kBosDim}) = static_cast<float>(amplitude);
}

void random_qk(AttentionWeights& w, int64_t head, double std, SplitMix64& rng) {
  for (int64_t r = head * kDemoHeadDim; r < (head + 1) * kDemoHeadDim; ++r) {
    for (int64_t c = 0; c < kD; ++c) w.q.at({r, c}) = static_cast<float>(rng.uniform(std));
  }
  for (int64_t r = head * kDemoHeadDim; r < (head + 1) * kDemoHeadDim; ++r) {
    for (int64_t c = 0; c < kD; ++c) w.k.at({r, c}) = static_cast<float>(rng.uniform(std));
  }
}

// A head whose output nobody reads: random values written into the junk dims.
void junk_ov(AttentionWeights& w, int64_t head, SplitMix64& rng) {
  for (int64_t r = head * kDemoHeadDim; r < (head + 1) * kDemoHeadDim; ++r) {
    for (int64_t c = 0; c < kD; ++c) w.v.at({r, c}) = static_cast<float>(rng.uniform(kValueStd));
  }
  for (int64_t r = kJunkBegin; r < kD; ++r) {
    for (int64_t c = head * kDemoHeadDim; c < (head + 1) * kDemoHeadDim; ++c) {
      w.o.at({r, c}) = static_cast<float>(rng.uniform(kJunkOutStd));
    }
  }
}

// Layer 0: previous-token head (0), <s> sink (1), self (2), random (3).
AttentionWeights layer0_attention() {
  AttentionWeights w;
  SplitMix64 rng(seed_of("layer0.attention"));
  // Head 0 copies the attended token's code (and the <s> flag) into the previous-token slots.
  positional_head(w, 0, 1);
  for (int64_t c = 0; c < kCodeDims; ++c) {
    w.v.at({c, kTokenBegin + c}) = static_cast<float>(1.0 / kLayer0Scale);
    w.o.at({kPreviousBegin + c, c}) = 1.0f;
  }
  w.v.at({kCodeDims, kBosDim}) = static_cast<float>(1.0 / kLayer0Scale);
  w.o.at({kPreviousBosDim, kCodeDims}) = 1.0f;

  sink_qk(w, 1, kSinkScoreLayer0, kLayer0Scale);
  positional_head(w, 2, 0);
  random_qk(w, 3, kRandomQkStd, rng);
  for (int64_t head = 1; head < kDemoNumHeads; ++head) junk_ov(w, head, rng);
  return w;
}

// Layer 1: induction head (0), broad (1), random (2, 3).
AttentionWeights layer1_attention() {
  AttentionWeights w;
  SplitMix64 rng(seed_of("layer1.attention"));
  // Head 0: query = own code, key = previous token's code, same slow planes; plus the sink.
  const double match = std::sqrt(kInductionMatch * std::sqrt(double(kDemoHeadDim))) / kLayer1Scale;
  for (int64_t c = 0; c < kCodeDims; ++c) {
    w.q.at({content_dim(c), kTokenBegin + c}) = static_cast<float>(match);
    w.k.at({content_dim(c), kPreviousBegin + c}) = static_cast<float>(match);
    // OV copies the attended token's code into the induction output slots.
    w.v.at({c, kTokenBegin + c}) = static_cast<float>(1.0 / kLayer1Scale);
    w.o.at({kInductionBegin + c, c}) = 1.0f;
  }
  sink_qk(w, 0, kInductionSink, kLayer1Scale);

  random_qk(w, 1, kBroadQkStd, rng);
  random_qk(w, 2, kRandomQkStd, rng);
  random_qk(w, 3, kRandomQkStd, rng);
  for (int64_t head = 1; head < kDemoNumHeads; ++head) junk_ov(w, head, rng);
  return w;
}

Tensor random_matrix(int64_t rows, int64_t cols, double std, SplitMix64& rng) {
  Tensor t({rows, cols});
  for (float& x : t.values()) x = static_cast<float>(rng.uniform(std));
  return t;
}

Tensor ones(int64_t n) { return Tensor({n}, std::vector<float>(static_cast<size_t>(n), 1.0f)); }

}  // namespace

Tensor demo_token_codes() {
  const auto vocab = demo_vocabulary();
  const auto count = static_cast<int64_t>(vocab.size());
  const auto max_overlap = static_cast<int>(std::lround(kMaxCodeOverlap * kCodeDims));
  SplitMix64 rng(seed_of("token codes"));
  std::vector<std::array<int, kCodeDims>> accepted;  // ±1 entries
  Tensor codes({count, kCodeDims});
  const float entry = static_cast<float>(1.0 / std::sqrt(static_cast<double>(kCodeDims)));
  for (int64_t id = 0; id < count; ++id) {
    if (id == kDemoBosId) continue;
    // Greedy: draw sign vectors until one overlaps every earlier code by at most max_overlap.
    for (int attempt = 0;; ++attempt) {
      if (attempt == 100000) throw std::logic_error("demo token codes: no code found");
      std::array<int, kCodeDims> signs{};
      const uint64_t bits = rng.next();
      for (int64_t c = 0; c < kCodeDims; ++c) signs[c] = (bits >> c) & 1u ? 1 : -1;
      bool ok = true;
      for (const auto& other : accepted) {
        int dot = 0;
        for (int64_t c = 0; c < kCodeDims; ++c) dot += signs[c] * other[c];
        if (std::abs(dot) > max_overlap) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      accepted.push_back(signs);
      for (int64_t c = 0; c < kCodeDims; ++c) codes.at({id, c}) = entry * signs[c];
      break;
    }
  }
  return codes;
}

std::map<std::string, Tensor> demo_weights() {
  const auto vocab_size = static_cast<int64_t>(demo_vocabulary().size());
  const Tensor codes = demo_token_codes();
  std::map<std::string, Tensor> weights;

  Tensor embed({vocab_size, kD});  // [token, hidden]
  Tensor unembed({vocab_size, kD});
  for (int64_t id = 0; id < vocab_size; ++id) {
    embed.at({id, kConstDim}) = 1.0f;
    if (id == kDemoBosId) {
      embed.at({id, kBosDim}) = 1.0f;
      continue;
    }
    for (int64_t c = 0; c < kCodeDims; ++c) {
      embed.at({id, kTokenBegin + c}) = codes.at({id, c});
      unembed.at({id, kInductionBegin + c}) = static_cast<float>(kUnembedScale * codes.at({id, c}));
    }
  }
  weights.emplace("model.embed_tokens.weight", std::move(embed));
  weights.emplace("lm_head.weight", std::move(unembed));
  weights.emplace("model.norm.weight", ones(kD));

  for (int64_t layer = 0; layer < kDemoNumLayers; ++layer) {
    AttentionWeights attention = layer == 0 ? layer0_attention() : layer1_attention();
    weights.emplace(layer_name(layer, "self_attn.q_proj.weight"), std::move(attention.q));
    weights.emplace(layer_name(layer, "self_attn.k_proj.weight"), std::move(attention.k));
    weights.emplace(layer_name(layer, "self_attn.v_proj.weight"), std::move(attention.v));
    weights.emplace(layer_name(layer, "self_attn.o_proj.weight"), std::move(attention.o));
    weights.emplace(layer_name(layer, "input_layernorm.weight"), ones(kD));
    weights.emplace(layer_name(layer, "post_attention_layernorm.weight"), ones(kD));

    // An ordinary SiLU-gated MLP whose small output lands in the junk dims.
    SplitMix64 rng(seed_of(layer_name(layer, "mlp")));
    weights.emplace(layer_name(layer, "mlp.gate_proj.weight"),
                    random_matrix(kDemoIntermediateSize, kD, kMlpInStd, rng));
    weights.emplace(layer_name(layer, "mlp.up_proj.weight"),
                    random_matrix(kDemoIntermediateSize, kD, kMlpInStd, rng));
    Tensor down({kD, kDemoIntermediateSize});
    for (int64_t r = kJunkBegin; r < kD; ++r) {
      for (int64_t c = 0; c < kDemoIntermediateSize; ++c) {
        down.at({r, c}) = static_cast<float>(rng.uniform(kMlpOutStd));
      }
    }
    weights.emplace(layer_name(layer, "mlp.down_proj.weight"), std::move(down));
  }
  return weights;
}

}  // namespace attnscope::demo
