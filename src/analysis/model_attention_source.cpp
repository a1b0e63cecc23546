// The model-backed AttentionSource: Tokenizer + Model from a model folder.
#include "analysis/attention_source.h"
#include "core/error.h"

namespace attnscope::analysis {

std::unique_ptr<AttentionSource> open_model_folder_source(const std::filesystem::path& folder,
                                                          const std::string& name) {
  throw UnsupportedError("running models is not available in this build yet; found '" + name +
                         "' at " + folder.string() +
                         " but cannot load it (use --attentions FILE with saved attention)");
}

}  // namespace attnscope::analysis
