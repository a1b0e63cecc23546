// config.json text -> ArchSpec -> validated ModelConfig -> the tensors it expects (what `info`
// counts parameters from) and the memory estimate of a run (RELIABILITY TK-6).
#include <string_view>

#include "core/error.h"
#include "fuzz_support.h"
#include "io/json_file.h"
#include "model/arch.h"
#include "model/forward_memory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attnscope;
  ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY({
    const nlohmann::json json =
        parse_json_text(std::string_view(reinterpret_cast<const char*>(data), size), "config.json");
    const ArchSpec& arch = find_arch(json);
    const ModelConfig config = arch.parse_config(json);
    int64_t parameters = 0;
    for (const auto& t : expected_tensors(arch, config, true)) parameters += shape_numel(t.shape);
    (void)parameters;
    (void)config.describe();
    (void)estimate_forward_memory(config, 1, 128, KeepSpec{}, {});
  });
  return 0;
}
