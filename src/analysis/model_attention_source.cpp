// The model-backed AttentionSource: a model folder's Tokenizer and Model. The only file of the
// analysis layer that knows how models are loaded and run.
#include <utility>

#include "analysis/attention_source.h"
#include "core/error.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace attnscope::analysis {
namespace {

class ModelAttentionSource : public AttentionSource {
 public:
  ModelAttentionSource(const std::filesystem::path& folder, std::string name)
      : name_(std::move(name)),
        model_(Model::load(folder.string())),
        tokenizer_(Tokenizer::load(folder)) {}

  std::string name() const override { return name_; }
  bool causal() const override { return model_.config().causal; }
  int num_layers() const override { return static_cast<int>(model_.config().num_hidden_layers); }
  int num_heads() const override { return static_cast<int>(model_.config().num_attention_heads); }

  EncodedText encode(const std::string& text) const override {
    Encoding e = tokenizer_.encode(text, /*add_special_tokens=*/true);
    if (e.ids.empty()) throw InputError("the text has no tokens: '" + text + "'");
    return {std::move(e.ids), std::move(e.tokens), std::move(e.special_mask)};
  }

  void run(const EncodedText& text, std::span<AttentionObserver* const> observers) override {
    model_.forward(ForwardInput::single(text.ids), observers);
  }

 private:
  std::string name_;
  Model model_;
  Tokenizer tokenizer_;
};

}  // namespace

std::unique_ptr<AttentionSource> open_model_folder_source(const std::filesystem::path& folder,
                                                          const std::string& name) {
  return std::make_unique<ModelAttentionSource>(folder, name);
}

}  // namespace attnscope::analysis
