#include "analysis/attention_source.h"

#include <map>
#include <mutex>

#include "core/error.h"

namespace attnscope::analysis {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, AttentionSourceFactory> named;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

std::vector<int64_t> AttentionSource::ordinary_ids() const {
  throw UnsupportedError("model '" + name() + "' cannot list its vocabulary (probes need it)");
}

std::optional<int64_t> AttentionSource::bos_id() const { return std::nullopt; }

std::vector<double> AttentionSource::norm_importance(const EncodedText&, const ImportanceOptions&) {
  throw UnsupportedError("model '" + name() +
                         "' has no value vectors; importance method 'norm' needs a model folder");
}

void register_attention_source(const std::string& name, AttentionSourceFactory factory) {
  std::lock_guard lock(registry().mutex);
  registry().named[name] = std::move(factory);
}

std::unique_ptr<AttentionSource> open_attention_source(const std::string& spec) {
  AttentionSourceFactory factory;
  {
    std::lock_guard lock(registry().mutex);
    if (const auto it = registry().named.find(spec); it != registry().named.end()) {
      factory = it->second;
    }
  }
  if (factory) return factory(spec);
  return open_model_source(resolve_model(spec));
}

}  // namespace attnscope::analysis
