#include "analysis/attention_source.h"

#include <map>
#include <mutex>

#include "core/error.h"
#include "io/model_source.h"

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
  if (spec == "demo") {
    throw UnsupportedError("the demo model is not registered in this build");
  }
  return open_model_folder_source(resolve_model_path(spec), spec);
}

}  // namespace attnscope::analysis
