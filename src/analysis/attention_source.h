// Where live attention comes from: a tokenizer plus a forward pass that hands each layer's
// probabilities to observers. The analyzer only needs this interface, so the statistics never
// depend on how a model is loaded, and a test double can stand in for one.
//
//   std::unique_ptr<AttentionSource> source = open_attention_source("models/tiny-gpt2");
//   EncodedText text = source->encode("The quick brown fox", /*add_special_tokens=*/true);
//   StreamingStats stats;
//   stats.begin_text(text.special_mask, text.tokens);
//   AttentionObserver* observers[] = {&stats};
//   source->run(text, observers);
//
// "demo" and model folders need no registration (the demo model is an ordinary folder written
// on first use, see demo/demo_model.h). A source that is not a model folder (a test double, a
// remote model) is registered once at start-up under the exact --model value that selects it:
//
//   register_attention_source("fake", [](const std::string&) { return make_fake_source(); });
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/importance.h"
#include "model/observer.h"
#include "model/resolved_model.h"

namespace attnscope::analysis {

struct EncodedText {
  std::vector<int64_t> ids;           // [T]
  std::vector<std::string> tokens;    // [T] token strings
  std::vector<uint8_t> special_mask;  // [T] 1 = special token ([CLS], [SEP], BOS, ...)
};

class AttentionSource {
 public:
  virtual ~AttentionSource() = default;
  // What to print as "model" (the spec the user gave, or the model's name).
  virtual std::string name() const = 0;
  virtual bool causal() const = 0;
  virtual int num_layers() const = 0;
  virtual int num_heads() const = 0;
  // Tokenizes `text`, adding the model's special tokens (BOS, [CLS] ... [SEP]) when
  // `add_special_tokens` (Hugging Face's default). InputError when no token results.
  virtual EncodedText encode(const std::string& text, bool add_special_tokens) const = 0;
  // Ids typed by the user, as they are: token strings from the tokenizer ("" for an id it does
  // not name), special tokens by id (Hugging Face's get_special_tokens_mask with
  // already_has_special_tokens). InputError for no ids or an id outside the model's vocabulary.
  virtual EncodedText encode_ids(std::span<const int64_t> ids) const = 0;
  // One forward pass over `text.ids` (batch of one): every layer's attention goes to every
  // observer, in layer order, with sequence 0 and no padding.
  virtual void run(const EncodedText& text, std::span<AttentionObserver* const> observers) = 0;

  // The parsed config of the model behind this source; nullptr when there is none (a test
  // double, a remote model).
  virtual const ModelConfig* model_config() const { return nullptr; }

  // The working memory a run may use (--max-memory); a run whose forward-pass buffers exceed
  // it is refused with a LimitError before it starts. Default budget: default_memory_budget().
  virtual void set_memory_budget(uint64_t bytes) { (void)bytes; }

  // For probes (probes.h): the ids of ordinary vocabulary tokens (named by the tokenizer, not
  // special, inside the model's vocabulary), ascending. Default: UnsupportedError.
  virtual std::vector<int64_t> ordinary_ids() const;
  // The special token the tokenizer puts before every text (BOS; [CLS] for encoders), if any.
  virtual std::optional<int64_t> bos_id() const;
  // Norm-based importance (norm_importance.h) of one input, [T] summing to 1: needs value
  // vectors and the output projection, so only a model has it. Default: UnsupportedError.
  // `options`: its layers and heads select (target and visible_only do not apply).
  virtual std::vector<double> norm_importance(const EncodedText& text,
                                              const ImportanceOptions& options = {});
};

using AttentionSourceFactory =
    std::function<std::unique_ptr<AttentionSource>(const std::string& spec)>;

// Registers a source for an exact `--model` value (e.g. "fake"). Later registrations of the same
// name replace earlier ones.
void register_attention_source(const std::string& name, AttentionSourceFactory factory);

// `spec`: a registered name, else any model spec resolve_model accepts ("demo", a model folder,
// a Hugging Face id, a .gguf file), resolved once. Throws InputError / IoError /
// UnsupportedError.
std::unique_ptr<AttentionSource> open_attention_source(const std::string& spec);

// A resolved model (model/resolved_model.h) as a source, named by its spec; its parsed config is
// reused, not read again. A folder: config.json, weights, tokenizer files. A GGUF file:
// UnsupportedError until its forward pass is wired (the one place to do it). Defined in
// model_attention_source.cpp, the only file that knows Model and Tokenizer.
std::unique_ptr<AttentionSource> open_model_source(const ResolvedModel& model);

}  // namespace attnscope::analysis
