// Writes a random checkpoint of a real model's shape (config.json + model.safetensors) for the
// whole-process benchmarks in bench/README.md: GPT-2 small, BERT-base, TinyLlama-1.1B and
// Mistral-7B shapes, in F32, F16 or BF16. Tensors are written one at a time (a 15 GB BF16 file
// needs a few MB of memory), with the scale of a trained checkpoint (std 0.02, norms 1, small
// biases) so activations stay finite and ordinary.
//
//   build/release/bench/bench_make_checkpoint gpt2 f32 /tmp/gpt2-small
//   build/release/bench/bench_make_checkpoint tinyllama bf16 /tmp/tinyllama
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dtype.h"
#include "model/arch.h"
#include "model_shapes.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: bench_make_checkpoint gpt2|bert|tinyllama|mistral7b f32|f16|bf16 OUT_DIR\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace attnscope;
  if (argc != 4 || !bench::kModelShapes.contains(argv[1])) return usage();
  const std::string dtype_arg = argv[2];
  const DType dtype = dtype_arg == "f32"    ? DType::kF32
                      : dtype_arg == "f16"  ? DType::kF16
                      : dtype_arg == "bf16" ? DType::kBF16
                                            : DType::kBool;
  if (dtype == DType::kBool) return usage();
  const std::filesystem::path out(argv[3]);
  std::filesystem::create_directories(out);

  const nlohmann::json config = nlohmann::json::parse(bench::kModelShapes.at(argv[1]));
  const ArchSpec& arch = find_arch(config);
  const ModelConfig parsed = arch.parse_config(config);
  std::vector<ExpectedTensor> tensors;
  for (ExpectedTensor& t : expected_tensors(arch, parsed, true)) {
    if (t.required) tensors.push_back(std::move(t));
  }
  std::sort(tensors.begin(), tensors.end(),
            [](const ExpectedTensor& a, const ExpectedTensor& b) { return a.name < b.name; });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  uint64_t offset = 0;
  for (const ExpectedTensor& t : tensors) {
    const uint64_t end = offset + static_cast<uint64_t>(shape_numel(t.shape)) * dtype_size(dtype);
    header[t.name] = {
        {"dtype", dtype_name(dtype)}, {"shape", t.shape}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  std::ofstream file(out / "model.safetensors", std::ios::binary | std::ios::trunc);
  const uint64_t header_size = header_text.size();
  for (int i = 0; i < 8; ++i) file.put(static_cast<char>((header_size >> (8 * i)) & 0xffu));
  file << header_text;
  bench::Random random(42);
  std::vector<char> bytes;
  for (const ExpectedTensor& t : tensors) {
    const int64_t n = shape_numel(t.shape);
    const bool norm_weight = t.shape.size() == 1 && t.name.ends_with("weight");
    const float scale = t.shape.size() == 1 ? 0.01f : 0.02f * 1.7320508f;  // uniform std 0.02
    bytes.resize(static_cast<size_t>(n) * dtype_size(dtype));
    for (int64_t i = 0; i < n; ++i) {
      const float v = (norm_weight ? 1.0f : 0.0f) + scale * random.uniform();
      if (dtype == DType::kF32) {
        std::memcpy(bytes.data() + 4 * i, &v, 4);
      } else {
        const uint16_t h = dtype == DType::kF16 ? f32_to_f16(v) : f32_to_bf16(v);
        std::memcpy(bytes.data() + 2 * i, &h, 2);
      }
    }
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::ofstream(out / "config.json") << config.dump(2) << "\n";
  if (!file) {
    std::fprintf(stderr, "writing %s failed\n", out.c_str());
    return 1;
  }
  std::printf("%s: %zu tensors, %.1f MB of %s\n", out.c_str(), tensors.size(), offset / 1e6,
              argv[2]);
  return 0;
}
