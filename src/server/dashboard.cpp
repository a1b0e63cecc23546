#include "server/dashboard.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <sstream>
#include <thread>

#include "analysis/layer_selection.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/quote.h"
#include "demo/demo_model.h"
#include "io/json_file.h"
#include "model/arch.h"
#include "model/attention_store.h"
#include "model/forward_memory.h"
#include "model/model.h"
#include "report/analysis_report.h"
#include "report/encoding_report.h"
#include "report/importance_report.h"

namespace attnscope::server {
namespace {

constexpr char kSep = '\x1f';  // between the parts of a cache key (never in an id)

const nlohmann::json& field(const nlohmann::json& request, const char* name) {
  if (!request.is_object()) throw InputError("the request body must be a JSON object");
  const auto it = request.find(name);
  if (it == request.end() || it->is_null()) {
    throw InputError(std::string("the request has no \"") + name + "\" field");
  }
  return *it;
}

std::string string_field(const nlohmann::json& request, const char* name) {
  const nlohmann::json& value = field(request, name);
  if (!value.is_string()) throw InputError(std::string("\"") + name + "\" must be a string");
  return value.get<std::string>();
}

int int_field(const nlohmann::json& value, const char* name, int64_t count) {
  if (!value.is_number_integer()) {
    throw InputError(std::string("\"") + name + "\" must be an integer");
  }
  const auto n = value.get<int64_t>();
  if (n < 0 || n >= count) {
    throw InputError(std::string("\"") + name + "\" " + std::to_string(n) +
                     " is out of range [0, " + std::to_string(count) + ")");
  }
  return static_cast<int>(n);
}

// "layers": absent / null = all, "0,2-3", or [0, 2, 3] -> the canonical "0,2,3" ("" = all).
std::set<int> requested_layers(const nlohmann::json& request, int count) {
  const auto it = request.find("layers");
  if (it == request.end() || it->is_null()) return {};
  std::string spec;
  if (it->is_string()) {
    spec = it->get<std::string>();
  } else if (it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_number_integer()) throw InputError("\"layers\" must hold integers");
      spec += (spec.empty() ? "" : ",") + std::to_string(item.get<int64_t>());
    }
    if (spec.empty()) return {};
  } else {
    throw InputError("\"layers\" must be a list of layer numbers or a string like \"0,2-3\"");
  }
  return analysis::select_layers(spec, analysis::layer_range(count));
}

std::string join(const std::set<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

void append_float(std::string& out, float value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int default_running() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

LimiterOptions resolved(LimiterOptions options) {
  if (options.running <= 0) options.running = default_running();
  return options;
}

}  // namespace

struct Dashboard::Loaded {
  std::mutex mutex;
  std::unique_ptr<analysis::AttentionAnalyzer> analyzer;  // set once, then read-only
  std::unique_ptr<Tokenizer> tokenizer;
};

struct Dashboard::AttentionResult {
  std::vector<std::string> tokens;
  bool causal = false;
  int heads = 0;
  std::map<int, Tensor> layers;  // model layer -> [head, query_pos, key_pos]
};

Dashboard::Dashboard(DashboardOptions options)
    : options_(std::move(options)),
      limiter_(resolved(options_.limiter)),
      cache_(options_.cache_bytes) {
  options_.limiter = limiter_.options();
  if (options_.max_tokens < 1) throw InputError("--max-tokens must be at least 1");
  for (const std::string& spec : options_.models) {
    ResolvedModel resolved = resolve_model(spec);
    std::string id = spec;
    std::error_code ec;
    if (spec != "demo" && std::filesystem::is_directory(spec, ec)) {
      id = std::filesystem::path(spec).lexically_normal().filename().string();
      if (id.empty() || id == "." || id == "..") {
        id = std::filesystem::weakly_canonical(spec).filename().string();
      }
    } else if (resolved.kind == ModelKind::kGgufFile) {
      id = resolved.path.stem().string();  // a GGUF file: its name less ".gguf"
    }
    add_model(id, std::move(resolved));
  }
  if (!options_.models_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(options_.models_dir, ec)) {
      throw IoError(options_.models_dir, "--models-dir is not a folder");
    }
    // Only folders inside the models folder: a symlink pointing elsewhere is skipped (checked
    // component-wise on canonical paths, not as a string prefix).
    const auto root = std::filesystem::canonical(options_.models_dir, ec);
    const auto inside = [&](const std::filesystem::path& path) {
      std::error_code error;
      const auto real = std::filesystem::canonical(path, error);
      if (error) return false;
      auto r = root.begin();
      auto p = real.begin();
      for (; r != root.end(); ++r, ++p) {
        if (p == real.end() || *p != *r) return false;
      }
      return p != real.end();
    };
    std::vector<std::filesystem::path> folders;
    for (const auto& entry : std::filesystem::directory_iterator(options_.models_dir, ec)) {
      // A model folder (config.json) or a .gguf file; the id of a GGUF file is its name less
      // the extension.
      const bool gguf = entry.is_regular_file(ec) && entry.path().extension() == ".gguf";
      if (!gguf &&
          (!entry.is_directory(ec) || !std::filesystem::exists(entry.path() / "config.json", ec))) {
        continue;
      }
      if (!inside(entry.path())) {
        warnings_.push_back(entry.path().string() + ": skipped: it leads outside --models-dir");
        continue;
      }
      folders.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end());
    for (const auto& folder : folders) {
      try {
        add_model(
            folder.extension() == ".gguf" ? folder.stem().string() : folder.filename().string(),
            resolve_model(folder.string()));
      } catch (const Error& e) {
        warnings_.push_back(folder.string() + ": skipped: " + e.what());
      }
    }
  }
  if (std::none_of(models_.begin(), models_.end(),
                   [](const DashboardModel& m) { return m.id == "demo"; })) {
    add_model("demo", resolve_model("demo"));
  }
}

Dashboard::~Dashboard() = default;

void Dashboard::add_model(const std::string& id_in, ResolvedModel resolved) {
  const ModelConfig& config = run_config(resolved, "the dashboard");
  const std::filesystem::path folder = resolved.path;
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(folder, ec);
  for (const auto& m : models_) {
    if (std::filesystem::weakly_canonical(m.folder, ec) == canonical) return;  // listed already
  }
  DashboardModel model;
  model.config = config;
  model.id = id_in;
  for (int n = 2; std::any_of(models_.begin(), models_.end(),
                              [&](const DashboardModel& m) { return m.id == model.id; });
       ++n) {
    model.id = id_in + "-" + std::to_string(n);
  }
  model.spec = resolved.spec;
  model.folder = folder;
  model.resolved = std::move(resolved);
  model.max_tokens = options_.max_tokens;
  if (model.config.position == PositionKind::kAbsolute &&
      model.config.max_position_embeddings > 0) {
    model.max_tokens = std::min(model.max_tokens, model.config.max_position_embeddings);
  }
  models_.push_back(std::move(model));
  loaded_.push_back(std::make_unique<Loaded>());
}

const DashboardModel& Dashboard::find(const nlohmann::json& request) const {
  const std::string id = string_field(request, "model");
  for (const auto& m : models_) {
    if (m.id == id) return m;
  }
  std::string known;
  for (const auto& m : models_) known += (known.empty() ? "" : ", ") + m.id;
  // The id is echoed through JSON only; cut it so a huge one does not fill the message.
  throw NotFoundError("unknown model '" + id.substr(0, 100) + "'; the server offers: " + known);
}

Dashboard::Loaded& Dashboard::loaded(const DashboardModel& model) {
  const auto index = static_cast<size_t>(&model - models_.data());
  Loaded& slot = *loaded_.at(index);
  std::lock_guard lock(slot.mutex);
  if (!slot.tokenizer) slot.tokenizer = std::make_unique<Tokenizer>(Tokenizer::load(model.folder));
  if (!slot.analyzer) {
    slot.analyzer =
        std::make_unique<analysis::AttentionAnalyzer>(analysis::open_model_source(model.resolved));
  }
  return slot;
}

analysis::EncodedText Dashboard::encode(const DashboardModel& model, Loaded& slot,
                                        const std::string& text) const {
  analysis::EncodedText encoded = slot.analyzer->source().encode(text, true);
  const auto count = static_cast<int64_t>(encoded.ids.size());
  if (count > model.max_tokens) {
    throw LimitError("the text has " + std::to_string(count) + " tokens, above the limit of " +
                     std::to_string(model.max_tokens) + " tokens for model '" + model.id + "'" +
                     (model.max_tokens < options_.max_tokens ? " (its position embeddings)"
                                                             : " (--max-tokens)"));
  }
  return encoded;
}

std::string Dashboard::models() const {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& m : models_) {
    list.push_back({{"id", m.id},
                    {"family", m.config.family},
                    {"layers", m.config.num_hidden_layers},
                    {"heads", m.config.num_attention_heads},
                    {"causal", m.config.causal},
                    {"max_tokens", m.max_tokens}});
  }
  nlohmann::ordered_json out;
  out["models"] = std::move(list);
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string Dashboard::tokenize(const nlohmann::json& request) {
  const DashboardModel& model = find(request);
  const std::string text = string_field(request, "text");
  Loaded& slot = *loaded_.at(static_cast<size_t>(&model - models_.data()));
  {
    std::lock_guard lock(slot.mutex);
    if (!slot.tokenizer) {
      slot.tokenizer = std::make_unique<Tokenizer>(Tokenizer::load(model.folder));
    }
  }
  const Encoding encoding = slot.tokenizer->encode(text, true);
  if (static_cast<int64_t>(encoding.ids.size()) > model.max_tokens) {
    throw LimitError("the text has " + std::to_string(encoding.ids.size()) +
                     " tokens, above the limit of " + std::to_string(model.max_tokens) +
                     " tokens for model '" + model.id + "'");
  }
  return report::dump_line(report::encoding_json(encoding));
}

std::shared_ptr<const analysis::AnalysisSummary> Dashboard::summary(const nlohmann::json& request) {
  const DashboardModel& model = find(request);
  const std::string text = string_field(request, "text");
  const std::set<int> layers =
      requested_layers(request, static_cast<int>(model.config.num_hidden_layers));
  const std::string key =
      std::string("analyze") + kSep + model.id + kSep + join(layers) + kSep + text;
  if (auto hit = cache_.get<analysis::AnalysisSummary>(key)) return hit;

  auto permit = limiter_.acquire();
  Loaded& slot = loaded(model);
  const analysis::EncodedText encoded = encode(model, slot, text);
  analysis::AnalyzeOptions options;
  options.layers = layers;
  ++forward_passes_;
  auto result = std::make_shared<const analysis::AnalysisSummary>(
      slot.analyzer->analyze(std::span<const analysis::EncodedText>(&encoded, 1), options));
  size_t bytes = result->heads.size() * 1024 + result->layers.size() * 1024;
  for (const auto& t : encoded.tokens) bytes += t.size() + 32;
  cache_.put(key, result, bytes);
  return result;
}

std::string Dashboard::analyze(const nlohmann::json& request) {
  return report::analysis_json(*summary(request)).dump(2);
}

std::string Dashboard::analyze_csv(const nlohmann::json& request) {
  std::ostringstream out;
  report::write_analysis_csv(out, *summary(request));
  return out.str();
}

std::shared_ptr<const Dashboard::AttentionResult> Dashboard::attention_result(
    const nlohmann::json& request, int& layer, std::vector<int>& heads) {
  const DashboardModel& model = find(request);
  const std::string text = string_field(request, "text");
  const int64_t num_heads = model.config.num_attention_heads;
  layer = int_field(field(request, "layer"), "layer", model.config.num_hidden_layers);
  heads.clear();
  if (const auto it = request.find("head"); it != request.end() && !it->is_null()) {
    heads.push_back(int_field(*it, "head", num_heads));
  } else {
    for (int h = 0; h < num_heads; ++h) heads.push_back(h);
  }

  const std::string all_key = std::string("attention") + kSep + model.id + kSep + text;
  const std::string layer_key = all_key + kSep + std::to_string(layer);
  if (auto hit = cache_.get<AttentionResult>(all_key)) return hit;
  if (auto hit = cache_.get<AttentionResult>(layer_key)) return hit;

  auto permit = limiter_.acquire();
  Loaded& slot = loaded(model);
  const analysis::EncodedText encoded = encode(model, slot, text);
  const auto t = static_cast<uint64_t>(encoded.ids.size());
  const uint64_t layer_bytes = static_cast<uint64_t>(num_heads) * t * t * sizeof(float);
  const uint64_t all_bytes = layer_bytes * static_cast<uint64_t>(model.config.num_hidden_layers);
  const uint64_t budget =
      options_.memory_budget != 0
          ? options_.memory_budget
          : default_memory_budget() / static_cast<uint64_t>(options_.limiter.running);
  const uint64_t working = forward_activation_bytes(model.config, 1, static_cast<int64_t>(t));
  if (working + layer_bytes > budget) {
    throw LimitError("the attention of " + std::to_string(t) + " tokens needs " +
                     format_bytes(working + layer_bytes) + ", above the per-request budget of " +
                     format_bytes(budget) + "; give a shorter text");
  }
  // Every layer when it fits (switching layers is then free), else the one asked for.
  const bool keep_all = all_bytes <= cache_.capacity() / 4 && working + all_bytes <= budget;
  KeepSpec keep;
  if (!keep_all) keep.layers = {layer};
  AttentionStore store(keep);
  AttentionObserver* observers[] = {&store};
  ++forward_passes_;
  slot.analyzer->source().run(encoded, observers);

  auto result = std::make_shared<AttentionResult>();
  result->tokens = encoded.tokens;
  result->causal = slot.analyzer->source().causal();
  result->heads = static_cast<int>(num_heads);
  for (int l : store.layers()) result->layers.emplace(l, store.layer(l));
  store.clear();
  size_t bytes = keep_all ? all_bytes : layer_bytes;
  for (const auto& token : result->tokens) bytes += token.size() + 32;
  std::shared_ptr<const AttentionResult> shared = std::move(result);
  cache_.put(keep_all ? all_key : layer_key, shared, bytes);
  return shared;
}

namespace {

// The attention response without "attention" (the binary form's header has dtype and shape).
nlohmann::ordered_json attention_header(const std::vector<std::string>& tokens, int layer,
                                        const std::vector<int>& heads, bool causal) {
  nlohmann::ordered_json out;
  out["tokens"] = tokens;
  out["layer"] = layer;
  out["heads"] = heads;
  out["causal"] = causal;
  return out;
}

}  // namespace

std::string Dashboard::attention(const nlohmann::json& request) {
  int layer = 0;
  std::vector<int> heads;
  const auto result = attention_result(request, layer, heads);
  const Tensor& values = result->layers.at(layer);
  const auto t = static_cast<int64_t>(result->tokens.size());
  // About 12 bytes a number: refuse a JSON answer that would not fit the budget.
  const uint64_t json_bytes = static_cast<uint64_t>(heads.size()) * t * t * 12;
  const uint64_t budget =
      options_.memory_budget != 0 ? options_.memory_budget : default_memory_budget() / 4;
  if (json_bytes > budget) {
    throw LimitError("the JSON attention of " + std::to_string(heads.size()) + " heads x " +
                     std::to_string(t) + " tokens would take about " + format_bytes(json_bytes) +
                     "; ask for one head or the binary form (?format=f16)");
  }
  std::string out = attention_header(result->tokens, layer, heads, result->causal)
                        .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  out.pop_back();  // the closing brace
  out.reserve(out.size() + json_bytes);
  out += ",\"attention\":[";
  for (size_t k = 0; k < heads.size(); ++k) {
    if (k > 0) out += ',';
    out += '[';
    const float* head = values.data() + static_cast<int64_t>(heads[k]) * t * t;
    for (int64_t q = 0; q < t; ++q) {
      if (q > 0) out += ',';
      out += '[';
      for (int64_t key = 0; key < t; ++key) {
        if (key > 0) out += ',';
        append_float(out, head[q * t + key]);
      }
      out += ']';
    }
    out += ']';
  }
  out += "]}";
  return out;
}

std::string Dashboard::attention_binary(const nlohmann::json& request, bool f16) {
  int layer = 0;
  std::vector<int> heads;
  const auto result = attention_result(request, layer, heads);
  const Tensor& values = result->layers.at(layer);
  const auto t = static_cast<int64_t>(result->tokens.size());
  nlohmann::ordered_json header = attention_header(result->tokens, layer, heads, result->causal);
  header["dtype"] = f16 ? "f16" : "f32";
  header["shape"] = {static_cast<int64_t>(heads.size()), t, t};
  const std::string json =
      header.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  const auto n = static_cast<uint32_t>(json.size());
  std::string out;
  const size_t start = (4 + json.size() + 7) / 8 * 8;
  const size_t value_size = f16 ? 2 : 4;
  out.resize(start + heads.size() * static_cast<size_t>(t * t) * value_size, '\0');
  const unsigned char length[4] = {
      static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
      static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 24)};
  std::memcpy(out.data(), length, 4);
  std::memcpy(out.data() + 4, json.data(), json.size());
  char* cursor = out.data() + start;
  for (int head : heads) {
    const float* src = values.data() + static_cast<int64_t>(head) * t * t;
    for (int64_t k = 0; k < t * t; ++k) {
      if (f16) {
        const uint16_t h = f32_to_f16(src[k]);
        cursor[0] = static_cast<char>(h & 0xff);
        cursor[1] = static_cast<char>(h >> 8);
        cursor += 2;
      } else {
        uint32_t bits = 0;
        std::memcpy(&bits, &src[k], 4);
        for (int b = 0; b < 4; ++b) *cursor++ = static_cast<char>((bits >> (8 * b)) & 0xff);
      }
    }
  }
  return out;
}

struct Dashboard::ImportanceResult {
  report::ImportanceReport report;
};

std::shared_ptr<const Dashboard::ImportanceResult> Dashboard::importance_result(
    const nlohmann::json& request) {
  const DashboardModel& model = find(request);
  const std::string text = string_field(request, "text");
  std::string method = "raw";
  if (const auto it = request.find("method"); it != request.end() && !it->is_null()) {
    if (!it->is_string()) throw InputError("\"method\" must be a string");
    method = it->get<std::string>();
    if (method != "raw" && method != "rollout" && method != "flow" && method != "norm") {
      throw InputError("\"method\" must be raw, rollout, flow or norm, not " + quote(method));
    }
  }
  bool visible_only = false;
  if (const auto it = request.find("visible_only"); it != request.end() && !it->is_null()) {
    if (!it->is_boolean()) throw InputError("\"visible_only\" must be true or false");
    visible_only = it->get<bool>();
    if (visible_only && method != "raw") {
      throw InputError("\"visible_only\" applies to the raw method, not " + method);
    }
  }
  const std::string key = std::string("importance") + kSep + model.id + kSep + method + kSep +
                          (visible_only ? "visible" : "all") + kSep + text;
  if (auto hit = cache_.get<ImportanceResult>(key)) return hit;

  auto permit = limiter_.acquire();
  Loaded& slot = loaded(model);
  const analysis::EncodedText encoded = encode(model, slot, text);
  ++forward_passes_;
  const analysis::ImportanceOptions options{.visible_only = visible_only};
  std::vector<analysis::TokenScore> scores =
      slot.analyzer->get_token_importance(encoded, method, options);
  const bool causal = slot.analyzer->source().causal();
  const std::optional<int64_t> target =
      report::reported_target(method, std::nullopt, scores, causal);
  auto result = std::make_shared<ImportanceResult>();
  result->report = report::rank_importance(std::move(scores), encoded.ids,
                                           {.model = slot.analyzer->source().name(),
                                            .method = method,
                                            .causal = causal,
                                            .visible_only = visible_only,
                                            .target = target});
  size_t bytes = 256;
  for (const auto& t : result->report.tokens) bytes += t.token.size() + 64;
  std::shared_ptr<const ImportanceResult> shared = std::move(result);
  cache_.put(key, shared, bytes);
  return shared;
}

std::string Dashboard::importance(const nlohmann::json& request) {
  return report::importance_json(importance_result(request)->report).dump(2);
}

std::string Dashboard::importance_csv(const nlohmann::json& request) {
  std::ostringstream out;
  report::write_importance_csv(out, importance_result(request)->report);
  return out.str();
}

std::string Dashboard::upload(const nlohmann::json& request) {
  const DashboardModel& model = find(request);
  std::string filename = string_field(request, "filename");
  const std::string content = string_field(request, "content");
  // Only the name's last part is shown (it is never opened); it decides the format.
  if (const size_t slash = filename.find_last_of("/\\"); slash != std::string::npos) {
    filename = filename.substr(slash + 1);
  }
  filename = filename.substr(0, 200);
  if (filename.empty()) filename = "upload";
  const bool jsonl = filename.size() >= 6 && filename.substr(filename.size() - 6) == ".jsonl";

  std::vector<std::string> texts;
  std::vector<std::string> names;
  if (!jsonl) {
    std::string text = content;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    texts.push_back(std::move(text));
    names.push_back(filename);
  } else {
    std::istringstream lines(content);
    std::string line;
    for (int64_t number = 1; std::getline(lines, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const nlohmann::json object =
          parse_json_text(line, filename + ": line " + std::to_string(number));
      if (!object.is_object() || !object.contains("text") || !object["text"].is_string()) {
        throw FormatError(filename, "line " + std::to_string(number) +
                                        ": expected an object with a string \"text\" field");
      }
      texts.push_back(object["text"].get<std::string>());
      names.push_back(filename + ": line " + std::to_string(number));
    }
    if (texts.empty()) throw InputError(filename + " holds no texts");
  }
  for (size_t k = 0; k < texts.size(); ++k) {
    if (texts[k].find_first_not_of(" \t\r\n\v\f") == std::string::npos) {
      throw InputError(names[k] + ": the text is " +
                       (texts[k].empty() ? "empty" : "blank (whitespace only)") +
                       "; there is nothing to analyse");
    }
  }

  auto permit = limiter_.acquire();
  Loaded& slot = loaded(model);
  std::vector<analysis::EncodedText> encoded;
  int64_t total = 0;
  for (size_t k = 0; k < texts.size(); ++k) {
    try {
      encoded.push_back(encode(model, slot, texts[k]));
    } catch (const LimitError& e) {
      throw LimitError(names[k] + ": " + e.what());
    } catch (const InputError& e) {
      throw InputError(names[k] + ": " + e.what());
    }
    total += static_cast<int64_t>(encoded.back().ids.size());
    if (total > options_.upload_max_tokens) {
      throw LimitError("the upload holds more than " + std::to_string(options_.upload_max_tokens) +
                       " tokens in all (at " + names[k] + "); split it");
    }
  }
  analysis::AnalyzeOptions options;
  options.input_names = names;
  ++forward_passes_;
  const analysis::AnalysisSummary summary =
      slot.analyzer->analyze(std::span<const analysis::EncodedText>(encoded), options);
  nlohmann::ordered_json out;
  out["texts"] = texts;
  out["names"] = names;
  std::string body = out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  body.pop_back();
  body += ",\"analysis\":" + dump(report::analysis_json(summary)) + "}";
  return body;
}

Dashboard::CacheStats Dashboard::cache_stats() const {
  return {cache_.entries(), cache_.bytes(), cache_.capacity(), cache_.hits(), cache_.misses()};
}

int64_t Dashboard::forward_passes() const { return forward_passes_.load(); }

}  // namespace attnscope::server
