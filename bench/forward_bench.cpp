// Speed of Model::forward with full attention capture on BERT-base and GPT-2-small shapes
// (random weights, built in memory), and of raw cblas_sgemm at the forward's GEMM shapes: the
// ceiling the forward pass can approach. A plain timing program rather than Google Benchmark
// because each case needs the median of a few long runs, the capture / no-capture pair run
// interleaved (so machine noise hits both alike) and the peak RSS of its own runs (reset between
// cases through /proc/self/clear_refs). Results and the exact commands: bench/README.md.
//
//   build/release/bench/bench_forward                      # every case, 5 runs each
//   build/release/bench/bench_forward --filter gpt2 --runs 9
//   build/release/bench/bench_forward --gemm               # also the raw sgemm table
//   build/release/bench/bench_forward --kernel blas        # OpenBLAS for every GEMM
//   build/release/bench/bench_forward --importance         # importance methods and probe, T=128
#include <cblas.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/importance.h"
#include "analysis/norm_importance.h"
#include "analysis/probes.h"
#include "core/memory.h"
#include "model/arch.h"
#include "model/attention_store.h"
#include "model/model.h"
#include "ops/blas_runtime.h"
#include "ops/gemm.h"
#include "ops/parallel.h"

namespace {

using attnscope::ForwardInput;
using attnscope::Model;
using attnscope::ModelConfig;

struct Options {
  int runs = 5;
  int threads = 2;
  int element_threads = 0;  // threads of the element loops; 0 = as many as BLAS
  std::string filter;
  bool gemm = false;
  bool forward = true;
  bool once = false;            // one capture forward per case, no timing (for callgrind)
  bool importance = false;      // the importance / probe table at T = 128
  std::string kernel = "auto";  // the ops::linear kernel (ATTNSCOPE_GEMM overrides "auto")
};

struct Case {
  std::string family;  // "bert" or "gpt2"
  int64_t batch;
  int64_t tokens;
};

const char* kBertConfig = R"({"architectures": ["BertModel"], "model_type": "bert",
  "vocab_size": 30522, "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
  "num_attention_heads": 12, "max_position_embeddings": 512, "type_vocab_size": 2,
  "layer_norm_eps": 1e-12, "hidden_act": "gelu", "pad_token_id": 0})";

const char* kGpt2Config = R"({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
  "vocab_size": 50257, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": null,
  "n_positions": 1024, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"})";

// Phi-2's layer shape (hidden 2560, 32 heads of 80, MLP 10240, partial rotary 0.4, parallel
// block, biases) with 4 of its 32 layers, so that the random checkpoint fits the shared VM.
const char* kPhi2Config = R"({"architectures": ["PhiForCausalLM"], "model_type": "phi",
  "vocab_size": 51200, "hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 4,
  "num_attention_heads": 32, "partial_rotary_factor": 0.4, "layer_norm_eps": 1e-5,
  "hidden_act": "gelu_new", "max_position_embeddings": 2048, "rope_theta": 10000.0})";

std::string display_name(const std::string& family) {
  if (family == "phi2") return "Phi-2 shape (4 layers)";
  return family == "bert" ? "BERT-base" : "GPT-2 small";
}

// xorshift64*: fast enough to fill 124 M weights in well under a second.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed | 1) {}
  float uniform() {  // [-1, 1)
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    const uint64_t bits = (state_ * 0x2545F4914F6CDD1DULL) >> 40;  // 24 bits
    return static_cast<float>(bits) * (2.0f / 16777216.0f) - 1.0f;
  }

 private:
  uint64_t state_;
};

// Random weights with the scale of a trained checkpoint (std 0.02, norms 1, small biases): the
// values only have to keep activations finite and ordinary (no denormals, no infinities).
Model random_model(const char* config_text) {
  const nlohmann::json config = nlohmann::json::parse(config_text);
  const attnscope::ArchSpec& arch = attnscope::find_arch(config);
  const ModelConfig parsed = arch.parse_config(config);
  Random random(42);
  auto source = std::make_unique<attnscope::MemoryTensorSource>();
  for (const attnscope::ExpectedTensor& t : attnscope::expected_tensors(arch, parsed, true)) {
    if (!t.required) continue;
    attnscope::Tensor tensor(t.shape);
    const bool norm_weight = t.shape.size() == 1 && t.name.ends_with("weight");
    const float scale = t.shape.size() == 1 ? 0.01f : 0.02f * 1.7320508f;  // uniform std 0.02
    for (float& v : tensor.values()) v = (norm_weight ? 1.0f : 0.0f) + scale * random.uniform();
    source->add(t.name, std::move(tensor));
  }
  Model model = Model::from_source(config, *source);
  return model;
}

// Drops freed heap pages and resets the peak-RSS mark (VmHWM) to the current RSS, so the next
// peak_rss_bytes() is the peak of what runs after this call.
void reset_peak_rss() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  file >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

double seconds_of(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// FLOPs of one forward: 2 · (matrix parameters of the blocks) per token for the projections and
// the MLP, plus 4 · T² · head_dim · heads per layer and sequence for scores and context (the full
// T x T square is computed, causal or not).
double forward_flops(const ModelConfig& c, int64_t batch, int64_t tokens) {
  const double hidden = static_cast<double>(c.hidden_size);
  const double per_layer_params = hidden * static_cast<double>(c.qkv_dim()) +
                                  static_cast<double>(c.q_dim()) * hidden +
                                  2.0 * hidden * static_cast<double>(c.intermediate_size);
  const double rows = static_cast<double>(batch * tokens);
  const double layers = static_cast<double>(c.num_hidden_layers);
  const double projections = 2.0 * per_layer_params * layers * rows;
  const double attention = 4.0 * layers * static_cast<double>(batch) * static_cast<double>(tokens) *
                           static_cast<double>(tokens) * static_cast<double>(c.q_dim());
  return projections + attention;
}

ForwardInput make_input(const ModelConfig& c, int64_t batch, int64_t tokens) {
  ForwardInput input;
  input.batch = batch;
  input.tokens = tokens;
  Random random(7);
  input.ids.resize(batch * tokens);
  for (int64_t& id : input.ids) {
    const float u = 0.5f * (random.uniform() + 1.0f);  // [0, 1)
    id = std::min<int64_t>(c.vocab_size - 1, static_cast<int64_t>(u * c.vocab_size));
  }
  return input;
}

struct ForwardRow {
  std::string name;
  double gflop = 0;
  double ms_plain = 0, ms_capture = 0;  // medians
  double ms_capture_min = 0, ms_capture_max = 0;
  double store_mib = 0, peak_plain_mib = 0, peak_capture_mib = 0, weights_mib = 0;
};

ForwardRow run_case(const Model& model, const Case& cs, const Options& options) {
  const ModelConfig& c = model.config();
  const ForwardInput input = make_input(c, cs.batch, cs.tokens);
  ForwardRow row;
  row.name =
      display_name(cs.family) + " " + std::to_string(cs.batch) + "x" + std::to_string(cs.tokens);
  row.gflop = forward_flops(c, cs.batch, cs.tokens) * 1e-9;
  row.weights_mib = mib(static_cast<uint64_t>(model.parameter_count()) * sizeof(float));

  const auto plain = [&] { model.forward(input); };
  uint64_t store_bytes = 0;
  const auto capture = [&] {
    attnscope::AttentionStore store;  // keeps every layer and head, f32
    attnscope::AttentionObserver* observers[] = {&store};
    model.forward(input, observers);
    store_bytes = store.bytes();
  };
  // Warm-up runs, one of each, measure the peaks.
  reset_peak_rss();
  plain();
  row.peak_plain_mib = mib(attnscope::peak_rss_bytes());
  reset_peak_rss();
  capture();
  row.peak_capture_mib = mib(attnscope::peak_rss_bytes());
  row.store_mib = mib(store_bytes);

  std::vector<double> plain_s, capture_s;
  for (int run = 0; run < options.runs; ++run) {
    plain_s.push_back(seconds_of(plain));
    capture_s.push_back(seconds_of(capture));
  }
  row.ms_plain = 1e3 * median(plain_s);
  row.ms_capture = 1e3 * median(capture_s);
  row.ms_capture_min = 1e3 * *std::min_element(capture_s.begin(), capture_s.end());
  row.ms_capture_max = 1e3 * *std::max_element(capture_s.begin(), capture_s.end());
  return row;
}

void print_forward_table(const std::vector<ForwardRow>& rows) {
  std::printf(
      "\n| case | GFLOP | capture: ms median (min-max) | GFLOP/s | no capture: ms | capture cost "
      "| store | peak RSS capture / none (weights) |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const ForwardRow& r : rows) {
    std::printf(
        "| %s | %.1f | %.1f (%.1f-%.1f) | %.0f | %.1f | %+.1f%% | %.0f MiB | %.0f / %.0f MiB "
        "(%.0f) "
        "|\n",
        r.name.c_str(), r.gflop, r.ms_capture, r.ms_capture_min, r.ms_capture_max,
        r.gflop / (r.ms_capture * 1e-3), r.ms_plain, 100.0 * (r.ms_capture / r.ms_plain - 1.0),
        r.store_mib, r.peak_capture_mib, r.peak_plain_mib, r.weights_mib);
  }
  std::fflush(stdout);
}

// One GEMM shape of the forward pass: C[m, n] = A[m, k] · op(B), with the strides the forward
// uses, repeated `calls` times per forward.
struct GemmShape {
  std::string what;
  bool linear;  // an ops::linear projection (the chosen linear kernel), else cblas_sgemm
  bool transpose_b;
  int64_t m, n, k, lda, ldb, ldc;
  int64_t calls_per_layer;
};

std::vector<GemmShape> forward_gemms(const ModelConfig& c, int64_t batch, int64_t tokens) {
  const int64_t rows = batch * tokens, hidden = c.hidden_size, inter = c.intermediate_size;
  const int64_t qkv = c.qkv_dim(), head_dim = c.head_dim, heads = c.num_attention_heads;
  return {
      {"qkv", true, true, rows, qkv, hidden, hidden, hidden, qkv, 1},
      {"scores (per head)", false, true, tokens, tokens, head_dim, qkv, qkv, tokens, batch * heads},
      {"context (per head)", false, false, tokens, head_dim, tokens, tokens, qkv, c.q_dim(),
       batch * heads},
      {"attn out", true, true, rows, hidden, c.q_dim(), c.q_dim(), c.q_dim(), hidden, 1},
      {"mlp up", true, true, rows, inter, hidden, hidden, hidden, inter, 1},
      {"mlp down", true, true, rows, hidden, inter, inter, inter, hidden, 1},
  };
}

// Times one shape: enough repetitions for ~0.2 s, median of 5 such batches.
double gemm_seconds(const GemmShape& g) {
  Random random(3);
  auto fill = [&](std::vector<float>& v, int64_t size) {
    v.resize(size);
    for (float& x : v) x = random.uniform();
  };
  std::vector<float> a, b, cm;
  fill(a, g.m * g.lda);
  fill(b, g.transpose_b ? g.n * g.ldb : g.k * g.ldb);
  fill(cm, g.m * g.ldc);
  const auto once = [&] {
    if (g.linear) {
      attnscope::ops::linear(a.data(), g.m, g.k, b.data(), nullptr, g.n, cm.data());
      return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, g.transpose_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(g.m), static_cast<blasint>(g.n), static_cast<blasint>(g.k),
                1.0f, a.data(), static_cast<blasint>(g.lda), b.data(), static_cast<blasint>(g.ldb),
                0.0f, cm.data(), static_cast<blasint>(g.ldc));
  };
  once();
  const double single = std::max(1e-7, seconds_of(once));
  const int reps = std::max(1, static_cast<int>(0.2 / single));
  std::vector<double> per_call;
  for (int batch = 0; batch < 5; ++batch) {
    per_call.push_back(seconds_of([&] {
                         for (int r = 0; r < reps; ++r) once();
                       }) /
                       reps);
  }
  return median(per_call);
}

void print_gemm_table(const ModelConfig& c, const Case& cs) {
  std::printf(
      "\n%s %ldx%ld: the forward's GEMMs alone (row-major, B transposed where marked; "
      "projections through ops::linear's %s kernel, attention through cblas_sgemm)\n",
      display_name(cs.family).c_str(), static_cast<long>(cs.batch), static_cast<long>(cs.tokens),
      attnscope::ops::linear_kernel_name(attnscope::ops::linear_kernel()));
  std::printf("| GEMM | m x n x k | B^T | calls/layer | us/call | GFLOP/s | ms/forward |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  double total = 0, flops = 0;
  for (const GemmShape& g : forward_gemms(c, cs.batch, cs.tokens)) {
    const double s = gemm_seconds(g);
    const double f = 2.0 * g.m * g.n * g.k;
    const double per_forward = s * g.calls_per_layer * c.num_hidden_layers;
    total += per_forward;
    flops += f * g.calls_per_layer * c.num_hidden_layers;
    std::printf("| %s | %ld x %ld x %ld | %s | %ld | %.1f | %.0f | %.1f |\n", g.what.c_str(),
                static_cast<long>(g.m), static_cast<long>(g.n), static_cast<long>(g.k),
                g.transpose_b ? "yes" : "no", static_cast<long>(g.calls_per_layer), s * 1e6,
                f / s * 1e-9, per_forward * 1e3);
  }
  std::printf("| all GEMMs of one forward | | | | | %.0f | %.1f |\n", flops / total * 1e-9,
              total * 1e3);
  std::fflush(stdout);
}

// One text of `tokens` ids through the model with each importance method's observer (the
// forward pass included, as `attnscope importance` runs it), and the probe: 4 batches of
// r_1..r_64 r_1..r_64 (T = 128, no BOS) through ProbeScores. Median of `runs` runs each.
void print_importance_table(const Model& model, const std::string& family, int64_t tokens,
                            int runs) {
  using namespace attnscope::analysis;
  const ForwardInput input = make_input(model.config(), 1, tokens);
  const auto time_observer = [&](const std::function<void()>& once) {
    std::vector<double> times;
    for (int r = 0; r < runs; ++r) times.push_back(seconds_of(once));
    return median(times);
  };
  const auto with = [&](ImportanceMethod method, bool visible_only) {
    return time_observer([&] {
      if (method == ImportanceMethod::kNorm) {
        NormImportance norm(model);
        attnscope::AttentionObserver* observers[] = {&norm};
        model.forward(input, observers);
        (void)norm.scores();
        return;
      }
      TokenImportance importance(method, {.visible_only = visible_only});
      attnscope::AttentionObserver* observers[] = {&importance};
      model.forward(input, observers);
      (void)importance.scores();
    });
  };
  const double forward = time_observer([&] { model.forward(input); });
  std::printf("\n| %s T=%ld | seconds (median of %d) | over the bare forward |\n", family.c_str(),
              static_cast<long>(tokens), runs);
  std::printf("|---|---|---|\n| forward alone | %.4f | |\n", forward);
  const struct {
    const char* name;
    ImportanceMethod method;
    bool visible_only;
  } methods[] = {{"raw", ImportanceMethod::kRaw, false},
                 {"raw --visible-only", ImportanceMethod::kRaw, true},
                 {"rollout", ImportanceMethod::kRollout, false},
                 {"flow", ImportanceMethod::kFlow, false},
                 {"norm", ImportanceMethod::kNorm, false}};
  for (const auto& m : methods) {
    const double t = with(m.method, m.visible_only);
    std::printf("| importance %s | %.4f | %+.4f |\n", m.name, t, t - forward);
  }
  const int64_t n = tokens / 2;
  std::vector<int64_t> vocabulary;
  for (int64_t id = 0; id < model.config().vocab_size; ++id) vocabulary.push_back(id);
  const double probe = time_observer([&] {
    ProbeScores scores(n, 0);
    attnscope::AttentionObserver* observers[] = {&scores};
    for (uint64_t b = 0; b < 4; ++b) {
      model.forward(ForwardInput::single(probe_sequence(vocabulary, std::nullopt, n, b)),
                    observers);
    }
    (void)scores.heads();
  });
  std::printf("| probe, 4 batches of T=%ld | %.4f | %+.4f (4 forwards: %.4f) |\n",
              static_cast<long>(2 * n), probe, probe - 4 * forward, 4 * forward);
  std::fflush(stdout);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--runs") {
      options.runs = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--threads") {
      options.threads = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--element-threads") {
      options.element_threads = std::max(0, std::atoi(value().c_str()));
    } else if (arg == "--filter") {
      options.filter = value();
    } else if (arg == "--gemm") {
      options.gemm = true;
    } else if (arg == "--kernel") {
      options.kernel = value();
    } else if (arg == "--once") {
      options.once = true;
    } else if (arg == "--importance") {
      options.importance = true;
      options.forward = false;
    } else if (arg == "--gemm-only") {
      options.gemm = true;
      options.forward = false;
    } else {
      std::fprintf(stderr,
                   "usage: bench_forward [--runs N] [--threads N] [--element-threads N] "
                   "[--filter bert|gpt2|phi2|8x128...] "
                   "[--gemm | --gemm-only] [--kernel auto|blas|avx512] [--once] [--importance]\n");
      std::exit(2);
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  attnscope::ops::set_blas_threads(options.threads);
  attnscope::ops::set_parallel_threads(options.element_threads);
  if (options.kernel != "auto") {
    attnscope::ops::set_linear_kernel(attnscope::ops::parse_linear_kernel(options.kernel));
  }
  const attnscope::ops::BlasInfo blas = attnscope::ops::blas_info();
  std::printf(
      "%s; BLAS kernels %s; %d threads (element loops: %d); GEMM kernel: %s; load average "
      "%s\n",
      blas.config.c_str(), blas.core.c_str(), blas.threads, attnscope::ops::parallel_threads(),
      attnscope::ops::linear_kernel_name(attnscope::ops::linear_kernel()), load_average().c_str());
  if (const std::string core = attnscope::ops::suggested_blas_core();
      !core.empty() && attnscope::ops::linear_kernel() == attnscope::ops::LinearKernel::kBlas) {
    std::printf(
        "(this CPU has AVX-512: the default GEMM kernel, or OPENBLAS_CORETYPE=%s, is "
        "faster)\n",
        core.c_str());
  }

  const std::vector<Case> cases = {
      {"bert", 1, 32},  {"bert", 1, 128}, {"bert", 1, 512}, {"bert", 8, 128}, {"gpt2", 1, 32},
      {"gpt2", 1, 128}, {"gpt2", 1, 512}, {"gpt2", 8, 128}, {"phi2", 1, 512},
  };
  std::vector<ForwardRow> rows;
  for (const std::string family : {"bert", "gpt2", "phi2"}) {
    std::vector<Case> chosen;
    for (const Case& cs : cases) {
      const std::string name =
          cs.family + " " + std::to_string(cs.batch) + "x" + std::to_string(cs.tokens);
      if (cs.family == family && name.find(options.filter) != std::string::npos) {
        chosen.push_back(cs);
      }
    }
    if (chosen.empty()) continue;
    const Model model = random_model(family == "bert"   ? kBertConfig
                                     : family == "gpt2" ? kGpt2Config
                                                        : kPhi2Config);
    for (const Case& cs : chosen) {
      if (options.once) {
        attnscope::AttentionStore store;
        attnscope::AttentionObserver* observers[] = {&store};
        model.forward(make_input(model.config(), cs.batch, cs.tokens), observers);
        continue;
      }
      if (options.forward) {
        rows.push_back(run_case(model, cs, options));
        std::fprintf(stderr, "done: %s (load %s)\n", rows.back().name.c_str(),
                     load_average().c_str());
      }
      if (options.gemm) print_gemm_table(model.config(), cs);
      if (options.importance && cs.batch == 1 && cs.tokens == 128) {
        print_importance_table(model, family, cs.tokens, options.runs);
      }
    }
  }
  if (!rows.empty()) print_forward_table(rows);
  std::printf("\nload average at the end: %s\n", load_average().c_str());
  return 0;
}
