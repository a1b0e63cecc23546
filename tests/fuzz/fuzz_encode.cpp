// Arbitrary bytes encoded by fixed tokenizers (byte-level BPE, the demo's WordLevel): every text
// either encodes (and decodes) or is refused with an InputError/LimitError (TK-1, TK-3, TK-7).
#include <string_view>

#include "core/error.h"
#include "fuzz_support.h"
#include "hostile/support/bpe_tokenizer.h"
#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attnscope;
  static const Tokenizer bpe =
      Tokenizer::from_tokenizer_json_text(hostile::bpe_tokenizer_json(true).dump(), "bpe.json");
  static const Tokenizer bpe_one_word =
      Tokenizer::from_tokenizer_json_text(hostile::bpe_tokenizer_json(false).dump(), "bpe.json");
  static const Tokenizer wordpiece = Tokenizer::from_tokenizer_json_text(
      R"({"normalizer": {"type": "BertNormalizer", "lowercase": true},
          "pre_tokenizer": {"type": "BertPreTokenizer"},
          "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                    "max_input_chars_per_word": 100,
                    "vocab": {"[UNK]": 0, "a": 1, "##a": 2, "the": 3, "##s": 4, "cat": 5}},
          "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true}})",
      "wordpiece.json");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const Tokenizer* tok : {&bpe, &bpe_one_word, &wordpiece}) {
    ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY({
      const Encoding e = tok->encode(text);
      if (e.ids.size() != e.offsets.size() || e.ids.size() != e.tokens.size()) __builtin_trap();
      (void)tok->decode(e.ids, false);
    });
  }
  return 0;
}
