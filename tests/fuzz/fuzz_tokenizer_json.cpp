// tokenizer.json text -> Tokenizer (the whole Hugging Face pipeline), then a few texts encoded
// and decoded (RELIABILITY TK-7). An input "<json>\0<text>" also encodes <text>.
#include <cstring>
#include <string>
#include <string_view>

#include "core/error.h"
#include "fuzz_support.h"
#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attnscope;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string_view json = all.substr(0, nul);
  const std::string_view extra = nul == std::string_view::npos ? "" : all.substr(nul + 1);
  ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY({
    const Tokenizer tok = Tokenizer::from_tokenizer_json_text(json, "tokenizer.json");
    for (std::string_view text : {std::string_view("Hello world! caf\xC3\xA9 12 3"),
                                  std::string_view(""), std::string_view("  a  b  "), extra}) {
      ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY({
        const Encoding e = tok.encode(text);
        (void)tok.decode(e.ids, false);
        (void)tok.decode(e.ids, true);
      });
    }
  });
  return 0;
}
