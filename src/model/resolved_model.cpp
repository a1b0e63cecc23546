#include "model/resolved_model.h"

#include <system_error>

#include "core/error.h"
#include "demo/demo_model.h"
#include "io/gguf.h"
#include "io/json_file.h"
#include "io/model_source.h"
#include "model/arch.h"
#include "model/gguf_source.h"

namespace attnscope {

ResolvedModel resolve_model(std::string_view spec, const ResolveOptions& options) {
  if (spec.empty()) throw InputError("no model given (--model is empty)");
  ResolvedModel out;
  out.spec = std::string(spec);
  std::error_code ec;
  if (spec == "demo") {
    out.path = demo::demo_model_dir();
    out.demo = true;
  } else if (!std::filesystem::is_directory(out.spec, ec) && looks_like_gguf(out.spec)) {
    if (!std::filesystem::is_regular_file(out.spec, ec)) {
      throw IoError(out.spec, "no such GGUF file");
    }
    out.kind = ModelKind::kGgufFile;
    out.path = out.spec;
    if (options.read_config) {
      try {
        out.config_json = gguf_config_json(GgufFile(out.spec));
        out.config = find_arch(out.config_json).parse_config(out.config_json);
      } catch (const UnsupportedError& e) {  // the file is still readable (info, tokenize)
        out.config_json = nullptr;
        out.config_error = e.what();
      }
    }
    return out;
  } else {
    out.path = resolve_model_path(spec);
  }
  if (options.read_config) {
    out.config_json = load_json_file((out.path / "config.json").string());
    out.config = find_arch(out.config_json).parse_config(out.config_json);
  }
  return out;
}

const ModelConfig& run_config(const ResolvedModel& model, std::string_view what) {
  if (!model.config && !model.config_error.empty()) {
    throw UnsupportedError(std::string(what) + ": " + model.config_error);
  }
  if (!model.config) throw ConfigError("config.json", model.spec + " was resolved without it");
  return *model.config;
}

}  // namespace attnscope
