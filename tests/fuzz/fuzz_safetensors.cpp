// safetensors bytes -> SafetensorsFile (header validation, RELIABILITY ST-5), then every tensor
// read back as f32 or i64 by its dtype.
#include "core/error.h"
#include "fuzz_support.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY({
    const attnscope::SafetensorsFile file(attnscope::fuzz::as_file(data, size));
    for (const auto& info : file.tensors()) {
      if (attnscope::is_float(info.dtype)) {
        (void)file.load_f32(info.name);
      } else {
        (void)file.load_i64(info.name);
      }
    }
  });
  return 0;
}
