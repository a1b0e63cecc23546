// A --input file as the CLI reads it (.jsonl: one {"text": ...} per line; other names: one text).
#include <filesystem>
#include <fstream>

#include "cli_common.h"
#include "core/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attnscope;
  const std::string folder = fuzz::folder_with("input.jsonl", data, size);
  ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY((void)cli::read_inputs(folder + "/input.jsonl"));
  return 0;
}
