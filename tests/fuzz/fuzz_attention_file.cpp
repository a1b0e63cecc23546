// An attention file (safetensors + metadata) -> AttentionFile (shape, masks, metadata JSON), then
// its first layer loaded and validated.
#include "analysis/attention_file.h"
#include "core/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attnscope;
  ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY({
    const analysis::AttentionFile file(fuzz::as_file(data, size));
    if (file.tokens() <= 4096) (void)file.load_layer(0, 0);
  });
  return 0;
}
