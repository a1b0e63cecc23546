// attnscope._core: the Python bindings (pybind11) over the same library the CLI uses, so a number
// printed by `attnscope analyze --format json` and the one Python returns are the same double.
// The Python package (python/attnscope/__init__.py) re-exports these names and adds show().
//
//   import attnscope
//   a = attnscope.AttentionAnalyzer("demo")
//   p = a.get_attention_patterns("the cat sat")     # p.attention: numpy [layer, head, q, k]
//
// Conventions (docs/python.md): the GIL is released around every forward pass and every
// analysis over model output; results that the CLI prints as JSON are returned as the same JSON
// converted to dicts and lists (null -> None); library errors become attnscope.Error subclasses
// with the library's message (errors.cpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "analysis/attention_analyzer.h"
#include "analysis/compare.h"
#include "analysis/head_clusters.h"
#include "analysis/layer_selection.h"
#include "analysis/probes.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/tensor.h"
#include "errors.h"
#include "report/analysis_report.h"
#include "report/compare_writer.h"
#include "report/probe_writer.h"
#include "report/similarity_writer.h"
#include "server/dashboard.h"
#include "server/snapshot.h"

namespace py = pybind11;

namespace attnscope::python {
namespace {

using analysis::AnalysisSummary;
using analysis::EncodedText;
using attnscope::LayerAttention;

// ---- JSON -> Python ---------------------------------------------------------------------------

// A JSON value as Python objects: objects keep their key order, NaN (which the CLI writes as
// null) becomes None, so the result equals json.loads of the CLI's output.
template <typename Json>
py::object to_python(const Json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(value.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(value.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(value.template get<uint64_t>());
    case nlohmann::json::value_t::number_float: {
      const double d = value.template get<double>();
      if (!std::isfinite(d)) return py::none();
      return py::float_(d);
    }
    case nlohmann::json::value_t::string:
      return py::str(value.template get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& item : value) out.append(to_python(item));
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (auto it = value.begin(); it != value.end(); ++it)
        out[py::str(it.key())] = to_python(it.value());
      return out;
    }
    default:
      return py::none();
  }
}

py::object number_or_none(double value) {
  if (std::isnan(value)) return py::none();
  return py::float_(value);
}

// ---- arguments --------------------------------------------------------------------------------

// `layers=` / `heads=`: None (all), an int, an iterable of ints, or the CLI's spec ("0,2-3").
// Returned as the CLI's spec string, so select_layers checks it with the CLI's messages.
std::string selection_spec(const py::object& value) {
  if (value.is_none()) return "";
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (py::isinstance<py::int_>(value)) return std::to_string(value.cast<int64_t>());
  std::string spec;
  for (const py::handle item : value) {
    if (!py::isinstance<py::int_>(item) || py::isinstance<py::bool_>(item)) {
      throw InputError("layer and head numbers must be integers; got " +
                       py::str(py::repr(item)).cast<std::string>());
    }
    spec += (spec.empty() ? "" : ",") + std::to_string(item.cast<int64_t>());
  }
  if (spec.empty()) throw InputError("an empty list of layers or heads selects nothing");
  return spec;
}

std::set<int> select(const py::object& value, int count) {
  const std::string spec = selection_spec(value);
  if (spec.empty()) return {};
  return analysis::select_layers(spec, analysis::layer_range(count));
}

// `thresholds=`: {"broad": 0.9, ...} over the defaults.
analysis::PatternThresholds parse_thresholds(const py::object& value) {
  analysis::PatternThresholds out;
  if (value.is_none()) return out;
  for (const auto& [key, threshold] : value.cast<py::dict>()) {
    const std::string name = py::str(key).cast<std::string>();
    const std::optional<analysis::Pattern> pattern = analysis::parse_pattern(name);
    if (!pattern || *pattern == analysis::Pattern::kMixed) {
      std::string names;
      for (analysis::Pattern p : analysis::kScoredPatterns) {
        names += (names.empty() ? "" : ", ") + std::string(analysis::pattern_name(p));
      }
      throw InputError("unknown pattern threshold '" + name + "'; expected one of " + names);
    }
    out[*pattern] = threshold.cast<double>();
  }
  return out;
}

// A list of texts from a str (one text) or an iterable of str.
std::vector<std::string> text_list(const py::object& texts) {
  std::vector<std::string> out;
  if (py::isinstance<py::str>(texts)) {
    out.push_back(texts.cast<std::string>());
    return out;
  }
  for (const py::handle item : texts) {
    if (!py::isinstance<py::str>(item)) {
      throw InputError("texts must be strings; got " + py::str(py::repr(item)).cast<std::string>());
    }
    out.push_back(item.cast<std::string>());
  }
  if (out.empty()) throw InputError("no texts given");
  return out;
}

bool is_blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
}

// ---- the attention of one text ----------------------------------------------------------------

// Every kept layer's attention in ONE buffer [layer, head, query_pos, key_pos], so numpy sees it
// as one array without a copy.
struct Patterns {
  std::string model;  // the spec the analyzer was opened with (show() reopens it)
  std::string text;
  std::vector<std::string> tokens;    // [T]
  std::vector<int64_t> ids;           // [T]
  std::vector<uint8_t> special_mask;  // [T]
  bool causal = false;
  std::vector<int> layer_ids;  // model layer number of each kept layer
  int64_t heads = 0;
  int64_t tokens_count = 0;
  std::vector<float> data;  // [layer, head, query_pos, key_pos]

  int64_t layer_size() const { return heads * tokens_count * tokens_count; }
  LayerAttention view(size_t index) const {
    if (index >= layer_ids.size()) {
      throw py::index_error("layer index " + std::to_string(index) + " is outside the " +
                            std::to_string(layer_ids.size()) + " kept layers");
    }
    LayerAttention a;
    a.layer = layer_ids[index];
    a.num_heads = heads;
    a.num_tokens = tokens_count;
    a.causal = causal;
    a.probs = std::span<const float>(data).subspan(index * layer_size(), layer_size());
    return a;
  }
};

// Copies each kept layer from the forward pass's buffer (freed after the observers return) into
// its place in Patterns::data.
class ContiguousCollector : public AttentionObserver {
 public:
  ContiguousCollector(Patterns& out, std::set<int> layers)
      : out_(out), layers_(std::move(layers)) {}
  void on_attention(const LayerAttention& a) override {
    if (!layers_.empty() && !layers_.contains(a.layer)) return;
    const size_t k = out_.layer_ids.size();
    if (a.num_heads != out_.heads || a.num_tokens != out_.tokens_count ||
        (k + 1) * static_cast<size_t>(out_.layer_size()) > out_.data.size()) {
      throw UnsupportedError(
          "layer " + std::to_string(a.layer) + " has " + std::to_string(a.num_heads) +
          " heads over " + std::to_string(a.num_tokens) + " tokens; expected " +
          std::to_string(out_.heads) + " over " + std::to_string(out_.tokens_count));
    }
    std::copy(a.probs.begin(), a.probs.begin() + out_.layer_size(),
              out_.data.begin() + static_cast<ptrdiff_t>(k * out_.layer_size()));
    out_.layer_ids.push_back(a.layer);
  }

 private:
  Patterns& out_;
  std::set<int> layers_;
};

// A zero-copy, read-only numpy view of `values` with `shape`, kept alive by `owner`.
py::array float_view(const float* values, std::vector<py::ssize_t> shape, py::handle owner) {
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = sizeof(float);
  for (size_t k = shape.size(); k-- > 0;) {
    strides[k] = stride;
    stride *= shape[k];
  }
  py::array out(py::dtype::of<float>(), std::move(shape), std::move(strides), values, owner);
  out.attr("flags").attr("writeable") = false;
  return out;
}

// One kept layer of a Patterns: p.layer(i).
struct Layer {
  py::object patterns;  // keeps the buffer alive
  size_t index = 0;
  const Patterns& get() const { return patterns.cast<const Patterns&>(); }
};

// ---- per-head figures (analyze_pattern) --------------------------------------------------------

py::dict head_dict(const analysis::HeadStats& s) {
  py::dict h;
  h["layer"] = s.layer;
  h["head"] = s.head;
  for (analysis::Figure f : analysis::kReportedFigures) {
    h[py::str(std::string(analysis::figure_name(f)))] = number_or_none(s.figures[f]);
  }
  h["pattern"] = std::string(analysis::pattern_name(s.pattern.pattern));
  py::dict scores;
  for (size_t k = 0; k < analysis::kScoredPatternCount; ++k) {
    scores[py::str(std::string(analysis::pattern_name(analysis::kScoredPatterns[k])))] =
        number_or_none(s.pattern.scores[k]);
  }
  h["pattern_scores"] = scores;
  return h;
}

py::list analyze_pattern(const py::object& layer, const py::object& special_mask,
                         std::optional<bool> causal, int layer_number,
                         const py::object& thresholds_arg) {
  const analysis::PatternThresholds thresholds = parse_thresholds(thresholds_arg);
  std::vector<uint8_t> mask;
  LayerAttention view;
  py::object keep_alive;  // the array or the Layer whose memory `view` points into
  if (py::isinstance<Layer>(layer)) {
    const Layer& l = layer.cast<const Layer&>();
    view = l.get().view(l.index);
    mask = l.get().special_mask;
    keep_alive = layer;
  } else {
    if (!py::isinstance<py::array>(layer) && !py::isinstance<py::list>(layer)) {
      throw InputError(
          "analyze_pattern takes a layer (AttentionPatterns.layer(i)) or an array [head, "
          "query_pos, key_pos]; got " +
          py::str(py::type::of(layer).attr("__name__")).cast<std::string>());
    }
    auto array = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(layer);
    if (!array) throw InputError("analyze_pattern: the attention is not an array of numbers");
    if (array.ndim() != 3 || array.shape(1) != array.shape(2) || array.shape(1) == 0) {
      std::string shape;
      for (py::ssize_t k = 0; k < array.ndim(); ++k) {
        shape += (k ? ", " : "") + std::to_string(array.shape(k));
      }
      throw InputError(
          "analyze_pattern: expected attention of shape [head, query_pos, key_pos] "
          "with query_pos == key_pos > 0; got [" +
          shape + "]");
    }
    view.layer = layer_number;
    view.num_heads = array.shape(0);
    view.num_tokens = array.shape(1);
    view.causal = causal.value_or(false);
    view.probs = std::span<const float>(array.data(), static_cast<size_t>(array.size()));
    keep_alive = array;
  }
  if (causal) view.causal = *causal;
  if (!special_mask.is_none()) {
    mask = special_mask.cast<std::vector<uint8_t>>();
    if (static_cast<int64_t>(mask.size()) != view.num_tokens) {
      throw InputError("special_mask has " + std::to_string(mask.size()) +
                       " entries; the attention has " + std::to_string(view.num_tokens) +
                       " tokens");
    }
  }
  std::vector<analysis::HeadStats> heads;
  {
    py::gil_scoped_release release;
    heads = AttentionAnalyzer::analyze_pattern(view, mask, thresholds);
  }
  py::list out;
  for (const auto& h : heads) out.append(head_dict(h));
  return out;
}

// ---- corpus summary ----------------------------------------------------------------------------

struct Summary {
  AnalysisSummary summary;
  std::string json(int indent) const { return report::analysis_json(summary).dump(indent); }
  std::string csv() const {
    std::ostringstream out;
    report::write_analysis_csv(out, summary);
    return out.str();
  }
  std::string table() const {
    std::ostringstream out;
    report::write_analysis_table(out, summary);
    return out.str();
  }
};

// ---- the analyzer ------------------------------------------------------------------------------

class Analyzer {
 public:
  Analyzer(std::string model, std::optional<uint64_t> max_memory) : spec_(std::move(model)) {
    py::gil_scoped_release release;
    analyzer_ = std::make_unique<AttentionAnalyzer>(spec_);
    if (max_memory) analyzer_->source().set_memory_budget(*max_memory);
    budget_ = max_memory.value_or(default_memory_budget());
  }

  const std::string& spec() const { return spec_; }
  analysis::AttentionSource& source() { return analyzer_->source(); }

  EncodedText encode(const std::string& text, bool add_special_tokens) {
    py::gil_scoped_release release;
    std::lock_guard lock(mutex_);
    return source().encode(text, add_special_tokens);
  }

  py::object get_attention_patterns(const std::string& text, const py::object& layers_arg,
                                    bool add_special_tokens) {
    const std::set<int> layers = select(layers_arg, source().num_layers());
    auto patterns = std::make_unique<Patterns>();
    {
      py::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      EncodedText encoded = source().encode(text, add_special_tokens);
      Patterns& p = *patterns;
      p.model = spec_;
      p.text = text;
      p.causal = source().causal();
      p.heads = source().num_heads();
      p.tokens_count = static_cast<int64_t>(encoded.ids.size());
      const int64_t kept = layers.empty() ? source().num_layers() : std::ssize(layers);
      const int64_t floats = shape_numel({kept, p.heads, p.tokens_count, p.tokens_count});
      // Refused before the forward pass, like the forward pass's own buffers.
      if (static_cast<uint64_t>(floats) * sizeof(float) > budget_) {
        throw LimitError("the attention of " + std::to_string(kept) + " layers x " +
                         std::to_string(p.heads) + " heads over " + std::to_string(p.tokens_count) +
                         " tokens needs " +
                         format_bytes(static_cast<uint64_t>(floats) * sizeof(float)) +
                         ", above the memory budget of " + format_bytes(budget_) +
                         ": keep fewer layers (layers=...), use a shorter text, or raise "
                         "max_memory");
      }
      p.data.resize(static_cast<size_t>(floats));
      ContiguousCollector collector(p, layers);
      AttentionObserver* observers[] = {&collector};
      source().run(encoded, observers);
      p.tokens = std::move(encoded.tokens);
      p.ids = std::move(encoded.ids);
      p.special_mask = std::move(encoded.special_mask);
    }
    return py::cast(std::move(patterns));
  }

  py::list get_token_importance(const std::string& text, const std::string& method,
                                std::optional<int64_t> target, bool visible_only,
                                const py::object& layers, const py::object& heads,
                                bool add_special_tokens) {
    if (visible_only && method != "raw") {
      throw InputError("visible_only applies to method 'raw', not '" + method + "'");
    }
    if (target && method != "rollout" && method != "flow") {
      throw InputError("target applies to method 'rollout' or 'flow', not '" + method + "'");
    }
    try {
      analysis::parse_importance_method(method);  // before the forward pass
    } catch (const UnsupportedError& e) {
      throw InputError(e.what());  // a method name is input: a ValueError in Python
    }
    analysis::ImportanceOptions options{.target = target, .visible_only = visible_only};
    options.layers = select(layers, source().num_layers());
    options.heads = select(heads, source().num_heads());
    std::vector<analysis::TokenScore> scores;
    {
      py::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      const EncodedText input = source().encode(text, add_special_tokens);
      scores = analyzer_->get_token_importance(input, method, options);
    }
    py::list out;
    for (const auto& s : scores) out.append(py::make_tuple(s.token, s.score));
    return out;
  }

  Summary analyze(const py::object& texts_arg, const py::object& layers, const py::object& heads,
                  const py::object& thresholds, bool add_special_tokens, bool probe) {
    const std::vector<std::string> texts = text_list(texts_arg);
    analysis::AnalyzeOptions options;
    options.layers = select(layers, source().num_layers());
    options.heads = select(heads, source().num_heads());
    options.thresholds = parse_thresholds(thresholds);
    Summary out;
    py::gil_scoped_release release;
    std::lock_guard lock(mutex_);
    std::vector<EncodedText> encoded;
    for (size_t k = 0; k < texts.size(); ++k) {
      // Named as the CLI names repeated --text values, and refused alike when blank.
      const std::string where =
          texts.size() > 1 ? "text " + std::to_string(k + 1) + " of " + std::to_string(texts.size())
                           : "";
      if (texts.size() > 1 && is_blank(texts[k])) {
        throw InputError(where + ": the text is " +
                         (texts[k].empty() ? "empty" : "blank (whitespace only)") +
                         "; there is nothing to analyse");
      }
      try {
        encoded.push_back(source().encode(texts[k], add_special_tokens));
      } catch (const InputError& e) {
        if (where.empty()) throw;
        throw InputError(where + ": " + e.what());
      } catch (const LimitError& e) {
        if (where.empty()) throw;
        throw LimitError(where + ": " + e.what());
      }
      if (!where.empty()) options.input_names.push_back(where);
    }
    out.summary = analyzer_->analyze(std::span<const EncodedText>(encoded), options);
    // As `analyze --probe`: the probe with its defaults, for this summary only (the analyzer
    // keeps no state, so later calls without probe=True are unchanged).
    if (probe) analysis::apply_probe_patterns(out.summary, analysis::run_probes(source()));
    return out;
  }

  py::object probe(int64_t n, int64_t batches, uint64_t seed) {
    nlohmann::ordered_json json;
    {
      py::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      const analysis::ProbeResult result =
          analysis::run_probes(source(), {.n = n, .batches = batches, .seed = seed});
      json = report::probe_json(result, source().name());
    }
    return to_python(json);
  }

  py::object similarity(const py::object& texts_arg, std::optional<int64_t> cut,
                        std::optional<double> threshold, const py::object& layers,
                        const py::object& heads, bool add_special_tokens) {
    const std::vector<std::string> texts = text_list(texts_arg);
    analysis::ClusterOptions options;
    options.layers = select(layers, source().num_layers());
    options.heads = select(heads, source().num_heads());
    options.cut = cut;
    options.threshold = threshold;
    nlohmann::ordered_json json;
    {
      py::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      std::vector<EncodedText> encoded;
      for (const std::string& t : texts) encoded.push_back(source().encode(t, add_special_tokens));
      const analysis::HeadClusters result =
          analysis::cluster_heads(source(), std::span<const EncodedText>(encoded), options);
      json = report::similarity_json(result);
    }
    return to_python(json);
  }

  py::object compare(const std::string& text_a, const std::optional<std::string>& text_b,
                     Analyzer* other, int64_t top, bool add_special_tokens) {
    if (top < 0) throw InputError("top must be >= 0 (0: every head); got " + std::to_string(top));
    if (!text_b && !other) {
      throw InputError("compare needs a second text, or other= a second AttentionAnalyzer");
    }
    if (text_b && other) {
      throw InputError("compare takes a second text or a second model (other=), not both");
    }
    nlohmann::ordered_json json;
    {
      py::gil_scoped_release release;
      if (!other) {
        std::lock_guard lock(mutex_);
        const EncodedText a = source().encode(text_a, add_special_tokens);
        const EncodedText b = source().encode(*text_b, add_special_tokens);
        json = report::compare_json(analysis::compare_texts(source(), a, b), top);
      } else {
        // Both analyzers' locks, taken together (no deadlock with a thread comparing b to a).
        std::unique_lock<std::mutex> mine(mutex_, std::defer_lock), theirs;
        if (other == this) {
          mine.lock();
        } else {
          theirs = std::unique_lock<std::mutex>(other->mutex_, std::defer_lock);
          std::lock(mine, theirs);
        }
        const EncodedText a = source().encode(text_a, add_special_tokens);
        const EncodedText b = other->source().encode(text_a, add_special_tokens);
        if (a.ids != b.ids) {
          throw InputError("models '" + spec_ + "' and '" + other->spec_ +
                           "' do not share a tokenizer: the input gives different token ids (" +
                           std::to_string(a.ids.size()) + " and " + std::to_string(b.ids.size()) +
                           " tokens)");
        }
        json = report::compare_json(analysis::compare_models(source(), other->source(), a, b), top);
      }
    }
    return to_python(json);
  }

 private:
  std::string spec_;
  std::unique_ptr<AttentionAnalyzer> analyzer_;
  uint64_t budget_ = 0;  // bytes the kept attention of get_attention_patterns may take
  // A source runs one forward pass at a time; Python threads sharing an analyzer queue here
  // (with the GIL released, so other Python code keeps running).
  std::mutex mutex_;
};

// The dashboard's offline snapshot of one text (the bytes of `attnscope report`).
std::string snapshot_html(const std::string& model, const std::string& text, int64_t max_tokens) {
  py::gil_scoped_release release;
  server::Dashboard dashboard({.models = {model}, .max_tokens = max_tokens});
  const std::string id = dashboard.model_list().front().id;
  return server::build_report(dashboard, nlohmann::json{{"model", id}, {"text", text}});
}

const char* kAnalyzerDoc = R"doc(A model and its tokenizer, ready to show and measure attention.

AttentionAnalyzer(model, max_memory=None)

model: a folder holding config.json + *.safetensors + tokenizer files, a Hugging Face id
found in the local cache (HF_HUB_CACHE, HF_HOME, ~/.cache/huggingface/hub), or "demo" (a
small model built in closed form, whose heads are known; docs/demo-model.md).
max_memory: bytes a forward pass may use (default 75% of RAM); above it a LimitError.

Every method runs the model with the GIL released; an analyzer runs one forward pass at a
time (threads sharing one wait their turn). Errors are attnscope.Error subclasses carrying
the library's message; bad input is an attnscope.InputError, which is also a ValueError.

    a = AttentionAnalyzer("demo")
    p = a.get_attention_patterns("the cat sat on the mat")
    p.attention.shape                  # (layers, heads, tokens, tokens), float32, no copy
    a.analyze_pattern(p.layer(0))      # per-head figures and pattern, as `attnscope analyze`
    a.get_token_importance("the cat sat", method="rollout")
)doc";

}  // namespace
}  // namespace attnscope::python

using namespace attnscope;          // NOLINT: the module's one translation unit
using namespace attnscope::python;  // NOLINT

PYBIND11_MODULE(_core, m) {
  m.doc() = "attnscope's native core: attention capture and analysis (see the attnscope package).";
  m.attr("__version__") = ATTNSCOPE_VERSION;
  register_errors(m);

  py::class_<Patterns>(
      m, "AttentionPatterns",
      "The tokens of one text and its attention in the model, every kept layer.\n\n"
      "attention: numpy float32 [layer, head, query_pos, key_pos], read-only, a "
      "view of this object's memory (no copy; the array keeps it alive). Each "
      "row (query) sums to 1; masked entries are exactly 0.")
      .def_readonly("tokens", &Patterns::tokens, "Token strings, [T]")
      .def_readonly("ids", &Patterns::ids, "Token ids, [T]")
      .def_readonly("special_mask", &Patterns::special_mask,
                    "1 for tokens the tokenizer added ([CLS], BOS, ...), [T]")
      .def_readonly("causal", &Patterns::causal, "True for decoder (causal) models")
      .def_readonly("layers", &Patterns::layer_ids,
                    "Model layer number of each entry of the layer axis")
      .def_readonly("model", &Patterns::model, "The model spec the analyzer was opened with")
      .def_readonly("text", &Patterns::text, "The text")
      .def_property_readonly(
          "attention",
          [](py::object self) {
            const Patterns& p = self.cast<const Patterns&>();
            return float_view(p.data.data(),
                              {static_cast<py::ssize_t>(p.layer_ids.size()), p.heads,
                               p.tokens_count, p.tokens_count},
                              self);
          },
          "numpy float32 [layer, head, query_pos, key_pos] over this object's memory (read-only)")
      .def(
          "layer",
          [](py::object self, int64_t index) {
            const Patterns& p = self.cast<const Patterns&>();
            const int64_t count = std::ssize(p.layer_ids);
            if (index < 0) index += count;
            if (index < 0 || index >= count) {
              throw py::index_error("layer index " + std::to_string(index) + " is outside the " +
                                    std::to_string(count) + " kept layers");
            }
            return Layer{self, static_cast<size_t>(index)};
          },
          py::arg("index"),
          "The index-th kept layer (an index into `layers`; negative counts from the end), for "
          "analyze_pattern. Equal to the model's layer number when every layer is kept.")
      .def("__len__", [](const Patterns& p) { return p.layer_ids.size(); })
      .def("__repr__", [](const Patterns& p) {
        return "<AttentionPatterns model='" + p.model +
               "' layers=" + std::to_string(p.layer_ids.size()) +
               " heads=" + std::to_string(p.heads) + " tokens=" + std::to_string(p.tokens_count) +
               ">";
      });

  py::class_<Layer>(m, "LayerAttention",
                    "One layer of an AttentionPatterns (AttentionPatterns.layer(i)).")
      .def_property_readonly(
          "layer", [](const Layer& l) { return l.get().layer_ids.at(l.index); },
          "The model's layer number")
      .def_property_readonly(
          "attention",
          [](py::object self) {
            const Layer& l = self.cast<const Layer&>();
            const Patterns& p = l.get();
            return float_view(p.data.data() + l.index * p.layer_size(),
                              {p.heads, p.tokens_count, p.tokens_count}, self);
          },
          "numpy float32 [head, query_pos, key_pos], a read-only view (no copy)")
      .def_property_readonly(
          "tokens", [](const Layer& l) { return l.get().tokens; }, "Token strings, [T]")
      .def_property_readonly(
          "causal", [](const Layer& l) { return l.get().causal; }, "True for causal models")
      .def("__repr__", [](const Layer& l) {
        return "<LayerAttention layer=" + std::to_string(l.get().layer_ids.at(l.index)) + ">";
      });

  py::class_<Summary>(m, "AnalysisSummary",
                      "Per-head and per-layer statistics of one or more texts (as `attnscope "
                      "analyze`). to_dict() is the CLI's JSON; to_pandas() a DataFrame.")
      .def("to_json", &Summary::json, py::arg("indent") = 2,
           "The JSON `attnscope analyze --format json` prints")
      .def(
          "to_dict", [](const Summary& s) { return to_python(report::analysis_json(s.summary)); },
          "to_json() as dicts and lists (null -> None)")
      .def("to_csv", &Summary::csv, "The CSV `attnscope analyze --format csv` prints")
      .def("table", &Summary::table, "The table `attnscope analyze` prints")
      .def_property_readonly(
          "heads",
          [](const Summary& s) { return to_python(report::analysis_json(s.summary)["heads"]); },
          "One dict per head (layer, head, figures, pattern, pattern_scores)")
      .def_property_readonly(
          "layers",
          [](const Summary& s) { return to_python(report::analysis_json(s.summary)["layers"]); },
          "One dict per layer (means of its heads, pattern_counts)")
      .def_property_readonly(
          "texts", [](const Summary& s) { return s.summary.texts; }, "Number of texts")
      .def_property_readonly(
          "model", [](const Summary& s) { return s.summary.model; }, "The model")
      .def(
          "to_pandas",
          [](const Summary& s, const std::string& level) {
            if (level != "head" && level != "layer") {
              throw InputError("level must be 'head' or 'layer'; got '" + level + "'");
            }
            py::module_ pandas;
            try {
              pandas = py::module_::import("pandas");
            } catch (const py::error_already_set&) {
              throw py::import_error(
                  "to_pandas needs pandas (Debian: apt-get install python3-pandas); "
                  "to_dict() and to_csv() work without it");
            }
            const nlohmann::json json = report::analysis_json(s.summary);
            py::list rows;
            for (const auto& row : json[level == "head" ? "heads" : "layers"]) {
              py::dict flat;
              for (auto it = row.begin(); it != row.end(); ++it) {
                if (it.value().is_object()) {  // pattern_scores / pattern_counts: one column each
                  for (auto in = it.value().begin(); in != it.value().end(); ++in) {
                    flat[py::str(it.key() + "." + in.key())] = to_python(in.value());
                  }
                } else {
                  flat[py::str(it.key())] = to_python(it.value());
                }
              }
              rows.append(flat);
            }
            return pandas.attr("DataFrame").attr("from_records")(rows);
          },
          py::arg("level") = "head",
          "A pandas DataFrame, one row per head (level='head') or layer ('layer'); nested "
          "scores become columns like 'pattern_scores.broad'. ImportError without pandas.")
      .def("__str__", &Summary::table)
      .def("__repr__", [](const Summary& s) {
        return "<AnalysisSummary model='" + s.summary.model +
               "' texts=" + std::to_string(s.summary.texts) +
               " heads=" + std::to_string(s.summary.heads.size()) + ">";
      });

  py::class_<Analyzer>(m, "AttentionAnalyzer", kAnalyzerDoc)
      .def(py::init<std::string, std::optional<uint64_t>>(), py::arg("model"),
           py::arg("max_memory") = py::none())
      .def_property_readonly("model", &Analyzer::spec, "The model spec given to the constructor")
      .def_property_readonly(
          "causal", [](Analyzer& a) { return a.source().causal(); },
          "True for decoder (causal) models")
      .def_property_readonly(
          "num_layers", [](Analyzer& a) { return a.source().num_layers(); }, "Layers")
      .def_property_readonly(
          "num_heads", [](Analyzer& a) { return a.source().num_heads(); },
          "Attention (query) heads per layer")
      .def(
          "encode",
          [](Analyzer& a, const std::string& text, bool add_special_tokens) {
            const EncodedText e = a.encode(text, add_special_tokens);
            py::dict out;
            out["ids"] = e.ids;
            out["tokens"] = e.tokens;
            out["special_mask"] = e.special_mask;
            return out;
          },
          py::arg("text"), py::arg("add_special_tokens") = true,
          "Tokenize: {'ids', 'tokens', 'special_mask'} (special tokens added as Hugging Face "
          "does by default)")
      .def("get_attention_patterns", &Analyzer::get_attention_patterns, py::arg("text"),
           py::kw_only(), py::arg("layers") = py::none(), py::arg("add_special_tokens") = true,
           "Run the model on `text` and keep the attention of `layers` (None: all; an int, a "
           "list, or a spec like '0,2-3'). Returns AttentionPatterns.")
      .def_static("analyze_pattern", &analyze_pattern, py::arg("layer"), py::kw_only(),
                  py::arg("special_mask") = py::none(), py::arg("causal") = py::none(),
                  py::arg("layer_number") = 0, py::arg("thresholds") = py::none(),
                  "Per-head figures of one layer: a list of dicts with the keys and values of "
                  "`attnscope analyze --format json` for one text (layer, head, entropy, ..., "
                  "pattern, pattern_scores; undefined figures are None).\n\n"
                  "layer: AttentionPatterns.layer(i), or any array [head, query_pos, key_pos] "
                  "(then give causal=, and special_mask= for the `special` figure). "
                  "thresholds: {'broad': 0.9, ...} over the defaults.")
      .def("get_token_importance", &Analyzer::get_token_importance, py::arg("text"),
           py::arg("method") = "raw", py::kw_only(), py::arg("target") = py::none(),
           py::arg("visible_only") = false, py::arg("layers") = py::none(),
           py::arg("heads") = py::none(), py::arg("add_special_tokens") = true,
           "[(token, score), ...] in text order, summing to 1. method: 'raw' (attention "
           "received), 'rollout', 'flow', 'norm' (docs/analysis.md). target: the row rollout / "
           "flow read (default: last token for causal models, first for encoders). "
           "visible_only: raw's causal correction.")
      .def("analyze", &Analyzer::analyze, py::arg("texts"), py::kw_only(),
           py::arg("layers") = py::none(), py::arg("heads") = py::none(),
           py::arg("thresholds") = py::none(), py::arg("add_special_tokens") = true,
           py::arg("probe") = false,
           "Streaming statistics over a text or a list of texts (mean and population std per "
           "head): an AnalysisSummary. probe=True runs the circuit probes first (as `attnscope "
           "analyze --probe`): heads may then get the patterns 'induction' and 'duplicate'.")
      .def("probe", &Analyzer::probe, py::kw_only(), py::arg("n") = 20, py::arg("batches") = 4,
           py::arg("seed") = 0,
           "Previous-token, duplicate-token and induction scores of every head on repeated "
           "random tokens (as `attnscope probe --format json`): a dict.")
      .def("similarity", &Analyzer::similarity, py::arg("texts"), py::kw_only(),
           py::arg("cut") = py::none(), py::arg("threshold") = py::none(),
           py::arg("layers") = py::none(), py::arg("heads") = py::none(),
           py::arg("add_special_tokens") = true,
           "Head similarity (Jensen-Shannon) and clustering (as `attnscope similarity --format "
           "json`): a dict.")
      .def("compare", &Analyzer::compare, py::arg("text_a"), py::arg("text_b") = py::none(),
           py::kw_only(), py::arg("other") = nullptr, py::arg("top") = report::kCompareTopHeads,
           py::arg("add_special_tokens") = true,
           "Two texts through this model, or text_a through this model and other= (as "
           "`attnscope compare --format json`): a dict.")
      .def("__repr__",
           [](const Analyzer& a) { return "<AttentionAnalyzer model='" + a.spec() + "'>"; });

  m.def("_snapshot_html", &snapshot_html, py::arg("model"), py::arg("text"),
        py::arg("max_tokens") = 4096,
        "The dashboard of one text as one self-contained HTML page (as `attnscope report`).");
}
