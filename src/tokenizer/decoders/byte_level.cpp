// ByteLevel decoder: byte-level alphabet characters back to bytes, then UTF-8 (invalid
// sequences become U+FFFD, like String::from_utf8_lossy).
#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/decoders/decoders.h"

namespace attnscope::tokenizer {

namespace {

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  while (pos < bytes.size()) {
    const auto bad = unicode::find_invalid_utf8(bytes.substr(pos));
    if (!bad) {
      out.append(bytes.substr(pos));
      break;
    }
    out.append(bytes.substr(pos, *bad));
    out.append("\xEF\xBF\xBD");
    // Skip the maximal invalid prefix: the lead byte and any continuation bytes it claimed.
    size_t skip = pos + *bad + 1;
    const size_t want = unicode::utf8_length(static_cast<unsigned char>(bytes[pos + *bad]));
    for (size_t k = 1; k < want && skip < bytes.size() &&
                       (static_cast<unsigned char>(bytes[skip]) & 0xC0) == 0x80;
         ++k) {
      ++skip;
    }
    pos = skip;
  }
  return out;
}

class ByteLevelDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      std::string mapped;
      bool ok = true;
      size_t pos = 0;
      while (pos < token.size()) {
        const int b = char_to_byte(unicode::decode_utf8(token, pos));
        if (b < 0) {
          ok = false;
          break;
        }
        mapped.push_back(static_cast<char>(b));
      }
      bytes += ok ? mapped : token;
    }
    tokens.assign(1, utf8_lossy(bytes));
  }
};

}  // namespace

std::unique_ptr<Decoder> make_byte_level_decoder() { return std::make_unique<ByteLevelDecoder>(); }

}  // namespace attnscope::tokenizer
