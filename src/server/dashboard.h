// The dashboard's answers without HTTP (issue #9): the model list, the loaded models and the
// result cache, one method per API endpoint. Each takes the request's JSON object and returns
// the response body, the same bytes the CLI prints for the same input (less its final newline),
// so the HTTP routes (api.h), `attnscope report` and the snapshot builder all answer alike.
// Errors are attnscope errors: InputError (bad field), LimitError (--max-tokens, memory),
// NotFoundError (model id not listed), BusyError (all analysis slots and the queue taken).
//
//   Dashboard dashboard({.models = {"demo"}, .max_tokens = 4096});
//   std::string json = dashboard.analyze(nlohmann::json{{"model", "demo"}, {"text", "a b"}});
//
// Models are chosen by id only: the list is built here from --model specs, the folders under
// --models-dir and "demo"; a request naming anything else gets NotFoundError, and no request
// value is ever used as a path. Weights load on first use and stay.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/attention_analyzer.h"
#include "model/config.h"
#include "model/resolved_model.h"
#include "server/limits.h"
#include "tokenizer/tokenizer.h"

namespace attnscope::server {

struct DashboardOptions {
  std::vector<std::string> models;  // --model specs: folder, GGUF file, Hugging Face id, "demo"
  std::string models_dir;     // every folder in it holding a config.json, and .gguf file; "" = none
  int64_t max_tokens = 4096;  // longest text, in tokens (LimitError beyond)
  int64_t upload_max_tokens = 262144;  // all texts of one upload together
  size_t cache_bytes = size_t{512} << 20;
  LimiterOptions limiter{.running = 0, .waiting = 32};  // running 0: one per core
  uint64_t memory_budget = 0;  // bytes for one request's results; 0: the default budget / running
};

struct DashboardModel {
  std::string id;    // what clients send
  std::string spec;  // what the CLI would be given (printed as "model" in analyses)
  std::filesystem::path folder;
  ModelConfig config;
  ResolvedModel resolved;  // resolved once at start-up; the analyzer opens it without re-reading
  int64_t max_tokens = 0;  // --max-tokens, or less for models with learned positions
};

class Dashboard {
 public:
  // Builds the model list (reads each config.json; no weights). A --model spec that does not
  // resolve, or whose config cannot be read, throws; a bad folder under --models-dir is skipped
  // with a line in warnings().
  explicit Dashboard(DashboardOptions options);
  ~Dashboard();

  const std::vector<DashboardModel>& model_list() const { return models_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const DashboardOptions& options() const { return options_; }

  // GET /api/models: {"models": [{"id", "family", "layers", "heads", "causal", "max_tokens"}]}.
  std::string models() const;
  // {"model", "text"} -> `attnscope tokenize --format json`.
  std::string tokenize(const nlohmann::json& request);
  // {"model", "text", "layers"?} -> `attnscope analyze --format json` (csv: --format csv).
  std::string analyze(const nlohmann::json& request);
  std::string analyze_csv(const nlohmann::json& request);
  // {"model", "text", "layer", "head"?} -> {"tokens", "layer", "heads", "causal", "attention"}.
  std::string attention(const nlohmann::json& request);
  // The same as the binary form of docs/api.md: u32 LE n, n bytes of JSON (without
  // "attention", with "dtype" and "shape"), zeros to a multiple of 8, then H*T*T values.
  std::string attention_binary(const nlohmann::json& request, bool f16);
  // {"model", "text", "method"?} -> `attnscope importance --format json` (csv).
  std::string importance(const nlohmann::json& request);
  std::string importance_csv(const nlohmann::json& request);
  // {"model", "filename", "content"} -> {"texts", "names", "analysis"}.
  std::string upload(const nlohmann::json& request);

  struct CacheStats {
    size_t entries, bytes, capacity, hits, misses;
  };
  CacheStats cache_stats() const;
  // The limiter on analyses (tests hold a permit to see 503).
  ConcurrencyLimiter& limiter() { return limiter_; }
  // Forward passes run so far (cache misses that computed), for tests and the bench.
  int64_t forward_passes() const;

 private:
  struct Loaded;
  struct AttentionResult;
  struct ImportanceResult;
  const DashboardModel& find(const nlohmann::json& request) const;
  Loaded& loaded(const DashboardModel& model);
  analysis::EncodedText encode(const DashboardModel& model, Loaded& loaded,
                               const std::string& text) const;
  std::shared_ptr<const AttentionResult> attention_result(const nlohmann::json& request, int& layer,
                                                          std::vector<int>& heads);
  std::shared_ptr<const analysis::AnalysisSummary> summary(const nlohmann::json& request);
  std::shared_ptr<const ImportanceResult> importance_result(const nlohmann::json& request);
  // `model`: resolved with its config (a GGUF file of an architecture attnscope does not run:
  // UnsupportedError).
  void add_model(const std::string& id, ResolvedModel model);

  DashboardOptions options_;
  std::vector<DashboardModel> models_;
  std::vector<std::string> warnings_;
  mutable std::mutex load_mutex_;
  std::vector<std::unique_ptr<Loaded>> loaded_;  // parallel to models_
  ConcurrencyLimiter limiter_;
  ResultCache cache_;
  std::atomic<int64_t> forward_passes_{0};
};

}  // namespace attnscope::server
