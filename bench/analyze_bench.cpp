// Throughput of `analyze` on a 12-layer, 12-head shape (BERT-base / GPT-2 small) at T = 512 and
// T = 4096: synthetic causal (or bidirectional) attention rows are fed layer by layer through
// the StreamingStats observer, exactly as a live forward pass would. Peak memory must stay under
// twice one layer's attention (plus the model, absent here): the observer keeps no attention.
//
//   build/release/bench/bench_analyze --benchmark_filter='Analyze/512'
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "analysis/importance.h"
#include "analysis/streaming_stats.h"
#include "core/memory.h"
#include "model/observer.h"

namespace {

constexpr int kLayers = 12;
constexpr int64_t kHeads = 12;

// [head, query_pos, key_pos]: each head mixes a sink on key 0, a decay toward recent keys
// (a head-specific rate) and a floor, normalised over the visible keys.
std::vector<float> synthetic_layer(int64_t tokens, bool causal) {
  std::vector<float> probs(static_cast<size_t>(kHeads * tokens * tokens), 0.0f);
  for (int64_t head = 0; head < kHeads; ++head) {
    const double rate = 0.05 + 0.3 * static_cast<double>(head);
    const double sink = 0.5 * static_cast<double>(head % 3);
    for (int64_t query = 0; query < tokens; ++query) {
      float* row = probs.data() + (head * tokens + query) * tokens;  // [key_pos]
      const int64_t visible = causal ? query + 1 : tokens;
      double sum = 0;
      for (int64_t key = 0; key < visible; ++key) {
        const double w = std::exp(-rate * std::fabs(static_cast<double>(query - key))) + 1e-3 +
                         (key == 0 ? sink : 0.0);
        row[key] = static_cast<float>(w);
        sum += w;
      }
      for (int64_t key = 0; key < visible; ++key) row[key] = static_cast<float>(row[key] / sum);
    }
  }
  return probs;
}

void BM_Analyze(benchmark::State& state) {
  const int64_t tokens = state.range(0);
  const bool causal = state.range(1) != 0;
  const std::vector<float> probs = synthetic_layer(tokens, causal);  // one layer, reused
  std::vector<uint8_t> special(tokens, 0);
  special[0] = 1;
  for (auto _ : state) {
    attnscope::analysis::StreamingStats stats;
    stats.begin_text(special);
    for (int layer = 0; layer < kLayers; ++layer) {
      attnscope::LayerAttention attention;
      attention.layer = layer;
      attention.num_heads = kHeads;
      attention.num_tokens = tokens;
      attention.causal = causal;
      attention.probs = probs;
      stats.on_attention(attention);
    }
    benchmark::DoNotOptimize(stats.summary());
  }
  const double visible =
      causal ? tokens * (tokens + 1) / 2.0 : static_cast<double>(tokens * tokens);
  state.counters["texts/s"] =
      benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["entries/s"] =
      benchmark::Counter(kLayers * kHeads * visible, benchmark::Counter::kIsIterationInvariantRate);
  const double layer_mib = static_cast<double>(probs.size() * sizeof(float)) / (1 << 20);
  state.counters["layer_MiB"] = layer_mib;
  state.counters["peak_rss_MiB"] = static_cast<double>(attnscope::peak_rss_bytes()) / (1 << 20);
}

BENCHMARK(BM_Analyze)
    ->ArgNames({"T", "causal"})
    ->Args({512, 1})
    ->Args({512, 0})
    ->Args({4096, 1})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);

// Token importance from attention alone (no forward pass): 12 layers x 12 heads fed to
// TokenImportance, then scores(). Method: 0 raw, 1 raw visible-only, 2 rollout, 3 flow.
// Flow at T = 64, 128, 256 is the timing docs/analysis.md quotes for its size limit.
void BM_Importance(benchmark::State& state) {
  using attnscope::analysis::ImportanceMethod;
  const int64_t tokens = state.range(0);
  const bool causal = state.range(1) != 0;
  const int64_t method = state.range(2);
  const std::vector<float> probs = synthetic_layer(tokens, causal);
  const ImportanceMethod kinds[] = {ImportanceMethod::kRaw, ImportanceMethod::kRaw,
                                    ImportanceMethod::kRollout, ImportanceMethod::kFlow};
  for (auto _ : state) {
    attnscope::analysis::TokenImportance importance(kinds[method], {.visible_only = method == 1});
    for (int layer = 0; layer < kLayers; ++layer) {
      attnscope::LayerAttention attention;
      attention.layer = layer;
      attention.num_heads = kHeads;
      attention.num_tokens = tokens;
      attention.causal = causal;
      attention.probs = probs;
      importance.on_attention(attention);
    }
    benchmark::DoNotOptimize(importance.scores());
  }
}

BENCHMARK(BM_Importance)
    ->ArgNames({"T", "causal", "method"})
    ->ArgsProduct({{128}, {0, 1}, {0, 1, 2, 3}})
    ->Args({64, 0, 3})
    ->Args({64, 1, 3})
    ->Args({256, 0, 3})
    ->Args({256, 1, 3})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
