// Writes a random GGUF v3 file of a real Llama-family shape (bench/model_shapes.h: TinyLlama-1.1B,
// Mistral-7B) for the whole-process GGUF benchmarks in bench/README.md: architecture `llama`,
// llama.cpp's tensor names and metadata keys, norms in F32 and every matrix in the requested type
// (a "pure" file, as `llama-quantize --pure` makes). No tokenizer (`tokenizer.ggml.model` none):
// run it with --ids. Blocks are random but valid: small finite f16 scales, random quants, values of
// the scale of trained weights (std about 0.02) like bench_make_checkpoint's. Tensors are
// generated and written one at a time, a few rows at a time (a few MB of memory for any size).
//
//   build/release/bench/bench_make_gguf tinyllama q4_k /tmp/tinyllama-q4_k.gguf
//   build/release/bench/bench_make_gguf tinyllama q8_0 /tmp/tinyllama-q8_0.gguf
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dtype.h"
#include "io/gguf.h"
#include "io/gguf_model.h"
#include "model/arch.h"
#include "model_shapes.h"

namespace {

using namespace attnscope;

struct TypeChoice {
  const char* arg;
  GgmlType type;
  uint32_t file_type;  // llama.cpp's llama_ftype for a file of mostly this type
};

// llama_ftype: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7, MOSTLY_Q4_K_S 14 (the closest to an
// all-Q4_K file; llama.cpp's own Q4_K_S keeps a few tensors in Q5_K).
constexpr TypeChoice kTypes[] = {{"f32", GgmlType::kF32, 0},
                                 {"f16", GgmlType::kF16, 1},
                                 {"q8_0", GgmlType::kQ8_0, 7},
                                 {"q4_k", GgmlType::kQ4_K, 14}};

constexpr float kStd = 0.02f;
constexpr float kUniformHalfWidth = kStd * 1.7320508f;  // uniform on [-a, a] has std a / sqrt(3)

struct GgufTensor {
  std::string name;
  std::vector<int64_t> ne;  // ggml order, ne[0] the row length
  GgmlType type;
  uint64_t nbytes;
  uint64_t offset;
};

void put_half(unsigned char* dst, float v) {
  const uint16_t h = f32_to_f16(v);
  dst[0] = static_cast<unsigned char>(h & 0xffu);
  dst[1] = static_cast<unsigned char>(h >> 8);
}

// One row of `n` values of `type` into `dst` (n / block_size * type_size bytes).
// F32 norms: 1 + 0.01 u. F32/F16 matrices: 0.0346 u. Q8_0: d = 0.0346 / 127, quants uniform in
// [-127, 127]. Q4_K: value = d sc q - dmin m with q uniform in [0, 15], sub-block scales sc in
// [48, 63], mins m = round(sc * 7.5 / 8) and dmin = 8 d, so each sub-block is centred on zero
// (d sc (q - 7.5)) with std about 0.02.
void fill_row(GgmlType type, bool norm, int64_t n, bench::Random& random, unsigned char* dst) {
  switch (type) {
    case GgmlType::kF32:
      for (int64_t i = 0; i < n; ++i) {
        const float v =
            norm ? 1.0f + 0.01f * random.uniform() : kUniformHalfWidth * random.uniform();
        std::memcpy(dst + 4 * i, &v, 4);
      }
      return;
    case GgmlType::kF16:
      for (int64_t i = 0; i < n; ++i) put_half(dst + 2 * i, kUniformHalfWidth * random.uniform());
      return;
    case GgmlType::kQ8_0:
      for (int64_t b = 0; b < n / 32; ++b, dst += 34) {
        put_half(dst, kUniformHalfWidth / 127.0f);
        for (int i = 0; i < 32; ++i) {
          const int q = static_cast<int>(random.next() % 255) - 127;
          dst[2 + i] = static_cast<unsigned char>(static_cast<int8_t>(q));
        }
      }
      return;
    case GgmlType::kQ4_K: {
      constexpr float kD = kStd / (55.5f * 4.61f);  // std of q - 7.5 over 0..15: 4.61
      for (int64_t b = 0; b < n / 256; ++b, dst += 144) {
        put_half(dst, kD);
        put_half(dst + 2, 8.0f * kD);
        unsigned char* scales = dst + 4;
        std::memset(scales, 0, 12);
        for (int j = 0; j < 8; ++j) {  // the inverse of ggml's get_scale_min_k4
          const auto sc = static_cast<unsigned char>(48 + random.next() % 16);
          const auto m = static_cast<unsigned char>(std::lround(sc * 7.5 / 8.0));
          if (j < 4) {
            scales[j] = sc;
            scales[j + 4] = m;
          } else {
            scales[j + 4] = static_cast<unsigned char>((sc & 0xF) | ((m & 0xF) << 4));
            scales[j - 4] |= static_cast<unsigned char>((sc >> 4) << 6);
            scales[j] |= static_cast<unsigned char>((m >> 4) << 6);
          }
        }
        for (int i = 0; i < 128; i += 8) {
          const uint64_t bits = random.next();
          std::memcpy(dst + 16 + i, &bits, 8);
        }
      }
      return;
    }
    default:
      throw std::logic_error("bench_make_gguf: no writer for " + std::string(ggml_type_name(type)));
  }
}

class Writer {
 public:
  explicit Writer(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "wb")) {
    if (file_ == nullptr) throw std::runtime_error("cannot create " + path);
  }
  ~Writer() {
    if (file_ != nullptr) std::fclose(file_);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void bytes(const void* p, size_t n) {
    if (std::fwrite(p, 1, n, file_) != n) throw std::runtime_error("writing " + path_ + " failed");
    written_ += n;
  }
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }
  void f32(float v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    u32(b);
  }
  void str(const std::string& s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void kv_u32(const std::string& key, uint32_t v) {
    str(key);
    u32(static_cast<uint32_t>(GgufValueType::kUint32));
    u32(v);
  }
  void kv_f32(const std::string& key, float v) {
    str(key);
    u32(static_cast<uint32_t>(GgufValueType::kFloat32));
    f32(v);
  }
  void kv_string(const std::string& key, const std::string& v) {
    str(key);
    u32(static_cast<uint32_t>(GgufValueType::kString));
    str(v);
  }
  void pad(uint64_t alignment) {
    static const char zeros[64] = {};
    uint64_t n = (alignment - written_ % alignment) % alignment;
    while (n > 0) {
      const uint64_t k = std::min<uint64_t>(n, sizeof(zeros));
      bytes(zeros, k);
      n -= k;
    }
  }
  uint64_t written() const { return written_; }
  void close() {
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) throw std::runtime_error("writing " + path_ + " failed");
  }

 private:
  void le(uint64_t v, int n) {
    unsigned char b[8];
    for (int i = 0; i < n; ++i) b[i] = static_cast<unsigned char>((v >> (8 * i)) & 0xffu);
    bytes(b, static_cast<size_t>(n));
  }
  std::string path_;
  std::FILE* file_;
  uint64_t written_ = 0;
};

int usage() {
  std::fprintf(stderr, "usage: bench_make_gguf tinyllama|mistral7b f32|f16|q8_0|q4_k OUT.gguf\n");
  return 2;
}

int run(const std::string& shape, const TypeChoice& choice, const std::string& out) {
  constexpr uint32_t kAlignment = 32;
  const nlohmann::json config = nlohmann::json::parse(bench::kModelShapes.at(shape));
  const ArchSpec& arch = find_arch(config);
  const ModelConfig c = arch.parse_config(config);
  const GgmlTypeTraits& traits = ggml_type_traits(choice.type);

  std::vector<GgufTensor> tensors;
  uint64_t offset = 0;
  for (const ExpectedTensor& t : expected_tensors(arch, c, true)) {
    if (!t.required) continue;
    const auto name = gguf_tensor_name(t.name);
    if (!name) {
      std::fprintf(stderr, "bench_make_gguf: %s has tensor %s, which has no llama.cpp name\n",
                   shape.c_str(), t.name.c_str());
      return 2;
    }
    GgufTensor g{*name, std::vector<int64_t>(t.shape.rbegin(), t.shape.rend()),
                 t.shape.size() == 1 ? GgmlType::kF32 : choice.type, 0, 0};
    const GgmlTypeTraits& tt = ggml_type_traits(g.type);
    if (g.ne[0] % tt.block_size != 0) {
      std::fprintf(stderr, "bench_make_gguf: %s rows of %lld are not whole %s blocks\n",
                   g.name.c_str(), static_cast<long long>(g.ne[0]), std::string(tt.name).c_str());
      return 2;
    }
    const int64_t rows = shape_numel(t.shape) / g.ne[0];
    g.nbytes = static_cast<uint64_t>(rows) * static_cast<uint64_t>(g.ne[0] / tt.block_size) *
               static_cast<uint64_t>(tt.type_size);
    offset = (offset + kAlignment - 1) / kAlignment * kAlignment;
    g.offset = offset;
    offset += g.nbytes;
    tensors.push_back(std::move(g));
  }

  Writer w(out);
  w.bytes("GGUF", 4);
  w.u32(3);
  w.u64(tensors.size());
  w.u64(15);  // the metadata keys below
  w.kv_string("general.architecture", "llama");
  w.kv_string("general.name", shape + " (random weights, bench_make_gguf)");
  w.kv_u32("general.alignment", kAlignment);
  w.kv_u32("general.file_type", choice.file_type);
  w.kv_u32("llama.block_count", static_cast<uint32_t>(c.num_hidden_layers));
  w.kv_u32("llama.context_length", static_cast<uint32_t>(c.max_position_embeddings));
  w.kv_u32("llama.embedding_length", static_cast<uint32_t>(c.hidden_size));
  w.kv_u32("llama.feed_forward_length", static_cast<uint32_t>(c.intermediate_size));
  w.kv_u32("llama.attention.head_count", static_cast<uint32_t>(c.num_attention_heads));
  w.kv_u32("llama.attention.head_count_kv", static_cast<uint32_t>(c.num_key_value_heads));
  w.kv_u32("llama.rope.dimension_count", static_cast<uint32_t>(c.head_dim));
  w.kv_f32("llama.rope.freq_base", static_cast<float>(c.rope_theta));
  w.kv_f32("llama.attention.layer_norm_rms_epsilon", static_cast<float>(c.rms_norm_eps));
  w.kv_u32("llama.vocab_size", static_cast<uint32_t>(c.vocab_size));
  w.kv_string("tokenizer.ggml.model", "none");  // ids only
  for (const GgufTensor& t : tensors) {
    w.str(t.name);
    w.u32(static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) w.u64(static_cast<uint64_t>(d));
    w.u32(static_cast<uint32_t>(t.type));
    w.u64(t.offset);
  }
  w.pad(kAlignment);
  const uint64_t data_start = w.written();

  bench::Random random(42);
  std::vector<unsigned char> chunk;
  for (const GgufTensor& t : tensors) {
    w.pad(kAlignment);
    if (w.written() - data_start != t.offset) throw std::logic_error("offset bookkeeping");
    const GgmlTypeTraits& tt = ggml_type_traits(t.type);
    const uint64_t row_bytes = static_cast<uint64_t>(t.ne[0] / tt.block_size * tt.type_size);
    const uint64_t rows = t.nbytes / row_bytes;
    const uint64_t rows_per_chunk = std::max<uint64_t>(1, (4u << 20) / row_bytes);
    const bool norm = t.ne.size() == 1;
    for (uint64_t r = 0; r < rows; r += rows_per_chunk) {
      const uint64_t n = std::min(rows_per_chunk, rows - r);
      chunk.resize(n * row_bytes);
      for (uint64_t i = 0; i < n; ++i) {
        fill_row(t.type, norm, t.ne[0], random, chunk.data() + i * row_bytes);
      }
      w.bytes(chunk.data(), chunk.size());
    }
  }
  w.close();
  std::printf("%s: %zu tensors, llama, %s matrices, %.1f MB\n", out.c_str(), tensors.size(),
              std::string(traits.name).c_str(), static_cast<double>(w.written()) / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (std::string(argv[1]) != "tinyllama" && std::string(argv[1]) != "mistral7b")) {
    return usage();
  }
  const TypeChoice* choice = nullptr;
  for (const TypeChoice& t : kTypes) {
    if (std::string(argv[2]) == t.arg) choice = &t;
  }
  if (choice == nullptr) return usage();
  try {
    return run(argv[1], *choice, argv[3]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_make_gguf: %s\n", e.what());
    return 1;
  }
}
