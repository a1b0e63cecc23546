// Tokenizer throughput, single thread, on >= 5 MB of English prose: GPT-2 BPE, BERT WordPiece,
// Llama-3 BPE (tokenizer.json) and Llama-2 SentencePiece (tokenizer.model through
// libsentencepiece, and its tokenizer.json). Also 1 MB of one repeated character (the
// worst case for BPE merges and regex runs) and batch encoding across threads.
//
// The corpus is built deterministically from the license texts Debian installs in
// /usr/share/common-licenses (package base-files): their lines are drawn in a fixed
// pseudo-random order until 5 MiB, then cut into ~4 KiB documents at line ends.
// Model files come from the shared folder ($ATTNSCOPE_SHARED_DIR, else ../shared upwards).
//
//   build/release/bench/bench_tokenizer --benchmark_filter='Encode'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;

std::optional<fs::path> shared_dir() {
  if (const char* env = std::getenv("ATTNSCOPE_SHARED_DIR")) return fs::path(env);
  fs::path dir = fs::current_path();
  for (int up = 0; up < 6; ++up) {
    if (fs::exists(dir / "shared" / "models")) return dir / "shared";
    if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  return std::nullopt;
}

// ~4 KiB documents, 5 MiB in all.
const std::vector<std::string>& corpus() {
  static const std::vector<std::string> documents = [] {
    std::vector<std::string> lines;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator("/usr/share/common-licenses")) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream in(file);
      std::string line;
      while (std::getline(in, line)) {
        if (!line.empty()) lines.push_back(line);
      }
    }
    std::vector<std::string> docs;
    if (lines.empty()) return docs;
    uint64_t state = 0x9E3779B97F4A7C15ull;
    size_t total = 0;
    std::string doc;
    while (total < (size_t{5} << 20)) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      const std::string& line = lines[(state >> 33) % lines.size()];
      doc += line;
      doc += '\n';
      total += line.size() + 1;
      if (doc.size() >= 4096) docs.push_back(std::move(doc)), doc.clear();
    }
    if (!doc.empty()) docs.push_back(doc);
    return docs;
  }();
  return documents;
}

const attnscope::Tokenizer* tokenizer(const std::string& folder,
                                      attnscope::TokenizerSource source) {
  static std::map<std::pair<std::string, int>, std::unique_ptr<attnscope::Tokenizer>> cache;
  const auto key = std::make_pair(folder, static_cast<int>(source));
  auto it = cache.find(key);
  if (it != cache.end()) return it->second.get();
  const auto shared = shared_dir();
  if (!shared) return nullptr;
  auto tok = std::make_unique<attnscope::Tokenizer>(
      attnscope::Tokenizer::load(*shared / "models" / folder, source));
  return cache.emplace(key, std::move(tok)).first->second.get();
}

struct Case {
  const char* folder;
  attnscope::TokenizerSource source;
};

const Case kCases[] = {
    {"gpt2", attnscope::TokenizerSource::kTokenizerJson},
    {"bert-base-uncased", attnscope::TokenizerSource::kTokenizerJson},
    {"llama3-tokenizer", attnscope::TokenizerSource::kTokenizerJson},
    {"llama2-tokenizer", attnscope::TokenizerSource::kSentencePiece},
    {"llama2-tokenizer", attnscope::TokenizerSource::kTokenizerJson},
};

void BM_Encode(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const auto* tok = tokenizer(c.folder, c.source);
  if (tok == nullptr || corpus().empty()) {
    state.SkipWithError("needs the shared models and /usr/share/common-licenses");
    return;
  }
  int64_t bytes = 0;
  int64_t tokens = 0;
  for (auto _ : state) {
    for (const std::string& doc : corpus()) {
      const auto e = tok->encode(doc, false);
      bytes += static_cast<int64_t>(doc.size());
      tokens += static_cast<int64_t>(e.size());
    }
  }
  state.SetBytesProcessed(bytes);
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.SetLabel(tok->description());
}

void BM_OneMegabyteOneChar(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const auto* tok = tokenizer(c.folder, c.source);
  if (tok == nullptr) {
    state.SkipWithError("needs the shared models");
    return;
  }
  const std::string text(size_t{1} << 20, 'a');
  int64_t tokens = 0;
  for (auto _ : state) tokens += static_cast<int64_t>(tok->encode(text, false).size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.SetLabel(tok->description());
}

// GPT-2, the whole corpus as one batch on 1..N threads (wall-clock time).
void BM_EncodeBatchThreads(benchmark::State& state) {
  const auto* tok = tokenizer("gpt2", attnscope::TokenizerSource::kTokenizerJson);
  if (tok == nullptr || corpus().empty()) {
    state.SkipWithError("needs the shared models and /usr/share/common-licenses");
    return;
  }
  int64_t bytes = 0;
  for (const auto& doc : corpus()) bytes += static_cast<int64_t>(doc.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        tok->encode_batch(corpus(), false, static_cast<size_t>(state.range(0))));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * bytes);
}

void BM_Load(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const auto shared = shared_dir();
  if (!shared) {
    state.SkipWithError("needs the shared models");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(attnscope::Tokenizer::load(*shared / "models" / c.folder, c.source));
  }
}

void cases(benchmark::internal::Benchmark* b) {
  for (int i = 0; i < static_cast<int>(std::size(kCases)); ++i) b->Arg(i);
}

BENCHMARK(BM_Encode)->Apply(cases)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_OneMegabyteOneChar)->Apply(cases)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EncodeBatchThreads)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Load)->Apply(cases)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
