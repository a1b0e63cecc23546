#include "tokenizer/byte_level_alphabet.h"

#include <array>

#include "tokenizer/unicode.h"

namespace attnscope::tokenizer {

namespace {

struct Alphabet {
  std::array<char32_t, 256> to_char{};
  std::array<std::string, 256> to_utf8{};
  std::array<int16_t, 512> to_byte{};  // code points 0..511 cover the whole alphabet

  Alphabet() {
    to_byte.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
      to_char[b] = printable ? static_cast<char32_t>(b) : next++;
      to_utf8[b] = unicode::to_utf8(to_char[b]);
      to_byte[to_char[b]] = static_cast<int16_t>(b);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet instance;
  return instance;
}

}  // namespace

char32_t byte_to_char(uint8_t byte) { return alphabet().to_char[byte]; }
const std::string& byte_to_utf8(uint8_t byte) { return alphabet().to_utf8[byte]; }
int char_to_byte(char32_t c) { return c < 512 ? alphabet().to_byte[c] : -1; }

}  // namespace attnscope::tokenizer
