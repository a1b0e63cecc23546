// tokenizer.model bytes -> the SentencePiece backend (our protobuf pre-check, then
// libsentencepiece), then a text encoded and decoded (RELIABILITY TK-5, TK-7).
#include "core/error.h"
#include "fuzz_support.h"
#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attnscope;
  const std::string folder = fuzz::folder_with("tokenizer.model", data, size);
  ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY({
    const Tokenizer tok = Tokenizer::load(folder, TokenizerSource::kSentencePiece);
    const Encoding e = tok.encode("Hello world, caf\xC3\xA9!");
    (void)tok.decode(e.ids, false);
  });
  return 0;
}
