// The model-backed AttentionSource: a model folder's Tokenizer and Model. The only file of the
// analysis layer that knows how models are loaded and run.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "analysis/attention_source.h"
#include "analysis/norm_importance.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/progress.h"
#include "io/gguf.h"
#include "io/safetensors.h"
#include "model/forward_memory.h"
#include "model/model.h"
#include "model/tensor_source.h"
#include "tokenizer/tokenizer.h"

namespace attnscope::analysis {
namespace {

class ModelAttentionSource : public AttentionSource {
 public:
  // `model`: resolved with its config (config.json as read by resolve_model, or a GGUF file's
  // metadata mapped onto one).
  explicit ModelAttentionSource(const ResolvedModel& model)
      : name_(model.spec), model_(load(model)), folder_(model.path) {
    if (model.kind == ModelKind::kGgufFile) {
      tokenizer_ = Tokenizer::from_gguf(GgufFile(folder_.string()));  // none: ids only
    } else if (has_tokenizer_files(folder_)) {
      tokenizer_.emplace(Tokenizer::load(folder_));
    }
  }

  std::string name() const override { return name_; }
  bool causal() const override { return model_.config().causal; }
  int num_layers() const override { return static_cast<int>(model_.config().num_hidden_layers); }
  int num_heads() const override { return static_cast<int>(model_.config().num_attention_heads); }
  const ModelConfig* model_config() const override { return &model_.config(); }

  EncodedText encode(const std::string& text, bool add_special_tokens) const override {
    Encoding e = tokenizer().encode(text, add_special_tokens);
    if (e.ids.empty()) throw InputError("the text has no tokens: '" + text + "'");
    return {std::move(e.ids), std::move(e.tokens), std::move(e.special_mask)};
  }

  EncodedText encode_ids(std::span<const int64_t> ids) const override {
    if (ids.empty()) throw InputError("no token ids given");
    const int64_t vocab_size = model_.config().vocab_size;
    EncodedText out;
    for (size_t pos = 0; pos < ids.size(); ++pos) {
      const int64_t id = ids[pos];
      if (id < 0 || id >= vocab_size) {
        throw InputError("token id " + std::to_string(id) + " at position " + std::to_string(pos) +
                         " is outside the model's vocabulary [0, " + std::to_string(vocab_size) +
                         ")");
      }
      out.ids.push_back(id);
      out.tokens.push_back(token_string(id));
      if (tokenizer_) out.special_mask.push_back(tokenizer_->is_special(id) ? 1 : 0);
    }
    return out;
  }

  void run(const EncodedText& text, std::span<AttentionObserver* const> observers) override {
    check_memory(static_cast<int64_t>(text.ids.size()), observers);
    // A progress line on stderr, layer by layer, for a forward pass longer than a second when
    // stderr is a terminal (core/progress.h); nothing otherwise.
    Progress progress(name_, model_.config().num_hidden_layers);
    LayerProgress counter(progress);
    std::vector<AttentionObserver*> all(observers.begin(), observers.end());
    all.push_back(&counter);
    model_.forward(ForwardInput::single(text.ids), all);
  }

  void set_memory_budget(uint64_t bytes) override { budget_ = bytes; }

  std::vector<double> norm_importance(const EncodedText& text,
                                      const ImportanceOptions& options) override {
    NormImportance norm(model_, 0, options.layers, options.heads);
    AttentionObserver* observers[] = {&norm};
    run(text, observers);
    return norm.scores();
  }

  std::vector<int64_t> ordinary_ids() const override {
    std::vector<int64_t> out;
    if (!tokenizer_) {  // no names, no special tokens known: every id of the embedding
      for (int64_t id = 0; id < model_.config().vocab_size; ++id) out.push_back(id);
      return out;
    }
    const int64_t limit = std::min(model_.config().vocab_size, tokenizer_->vocab_size());
    for (int64_t id = 0; id < limit; ++id) {
      if (!tokenizer_->is_special(id) && !token_string(id).empty()) out.push_back(id);
    }
    return out;
  }

  std::optional<int64_t> bos_id() const override {
    if (!tokenizer_) return std::nullopt;
    const Encoding e = tokenizer_->encode("", /*add_special_tokens=*/true);
    if (!e.ids.empty() && e.special_mask[0] != 0) return e.ids[0];
    return std::nullopt;
  }

 private:
  // A run needs the forward pass's working buffers (with row observers one block of query rows
  // of every head, else one whole [head, query_pos, key_pos] layer) plus what the observers keep
  // (rollout: a T x T matrix per layer): refuse inputs that would exceed the memory budget
  // instead of failing inside the forward pass (or being killed).
  void check_memory(int64_t tokens, std::span<AttentionObserver* const> observers) const {
    const uint64_t budget = budget_ ? *budget_ : default_memory_budget();
    const bool rows = std::all_of(observers.begin(), observers.end(),
                                  [](const AttentionObserver* o) { return o->takes_rows(); });
    const AttentionBuffer buffer = rows ? AttentionBuffer::kRowBlocks : AttentionBuffer::kLayer;
    const int64_t layers = model_.config().num_hidden_layers;
    const auto need = [&](int64_t t) {
      uint64_t bytes = forward_activation_bytes(model_.config(), 1, t, buffer);
      for (const AttentionObserver* o : observers) {
        bytes = add_saturated(bytes, o->kept_bytes(t, layers));
      }
      return bytes;
    };
    if (need(tokens) <= budget) return;
    int64_t lo = 0, hi = tokens;  // the longest input that fits, by bisection
    while (lo < hi) {
      const int64_t mid = (lo + hi + 1) / 2;
      if (need(mid) <= budget)
        lo = mid;
      else
        hi = mid - 1;
    }
    // Never advise more than the model accepts.
    if (const auto limit = max_input_tokens(model_.config())) lo = std::min(lo, *limit);
    throw LimitError("analysing " + std::to_string(tokens) + " tokens needs " +
                     format_bytes(need(tokens)) + " of working memory, above the budget of " +
                     format_bytes(budget) +
                     (budget_ ? " (--max-memory)" : " (the default memory budget, 75% of RAM)") +
                     "; give an input of at most " + std::to_string(lo) + " tokens");
  }

  // "" for an id the tokenizer does not name: a model's embedding may have more rows than its
  // tokenizer has tokens (a vocabulary padded to a multiple of 64, say).
  std::string token_string(int64_t id) const {
    if (!tokenizer_ || id >= tokenizer_->vocab_size()) return {};
    try {
      return tokenizer_->id_to_token(id);
    } catch (const InputError&) {
      return {};  // a hole in the tokenizer's ids
    }
  }

  std::string name_;
  Model model_;
  // Without tokenizer files only token ids can be analysed (--ids); tokens are shown by id.
  static bool has_tokenizer_files(const std::filesystem::path& folder) {
    namespace fs = std::filesystem;
    return fs::exists(folder / "tokenizer.json") || fs::exists(folder / "vocab.txt") ||
           (fs::exists(folder / "vocab.json") && fs::exists(folder / "merges.txt")) ||
           fs::exists(folder / "tokenizer.model");
  }

  const Tokenizer& tokenizer() const {
    if (!tokenizer_ && looks_like_gguf(folder_.string())) {
      throw InputError("GGUF file " + folder_.string() +
                       " has no tokenizer (tokenizer.ggml.model is none); give token ids with "
                       "--ids");
    }
    if (!tokenizer_) {
      throw InputError("model folder " + folder_.string() +
                       " has no tokenizer files (tokenizer.json, vocab.txt, vocab.json + "
                       "merges.txt or tokenizer.model); give token ids with --ids");
    }
    return *tokenizer_;
  }

  static Model load(const ResolvedModel& model) {
    if (model.kind == ModelKind::kGgufFile) return Model::load_gguf(model.path.string());
    return Model::from_source(model.config_json,
                              CheckpointSource(SafetensorsCheckpoint::open(model.path.string())));
  }

  std::filesystem::path folder_;
  std::optional<Tokenizer> tokenizer_;
  std::optional<uint64_t> budget_;  // --max-memory; unset = default_memory_budget()
};

}  // namespace

std::unique_ptr<AttentionSource> open_model_source(const ResolvedModel& model) {
  if (model.config_json.is_null() && model.config_error.empty()) {  // resolved without read_config
    return open_model_source(resolve_model(model.spec));
  }
  run_config(model, "the model run");  // UnsupportedError for a GGUF file attnscope cannot run
  return std::make_unique<ModelAttentionSource>(model);
}

}  // namespace attnscope::analysis
