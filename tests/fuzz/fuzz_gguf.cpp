// GGUF bytes -> GgufFile (RELIABILITY GG-7: header, metadata, tensor-info validation), then every
// metadata value rendered, the typed getters tried on every key, and every tensor dequantized.
#include "core/error.h"
#include "fuzz_support.h"
#include "io/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY({
    const attnscope::GgufFile file(attnscope::fuzz::as_file(data, size));
    for (const auto& [key, value] : file.metadata()) {
      (void)value.to_display();
      ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY((void)file.get_int(key));
      ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY((void)file.get_f32_array(key));
      ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY((void)file.get_int_array(key));
      ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY((void)file.get_string_array(key));
    }
    for (const auto& info : file.tensors()) {
      if (info.numel <= (1 << 20))
        ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY((void)file.load_f32(info.name));
    }
  });
  return 0;
}
