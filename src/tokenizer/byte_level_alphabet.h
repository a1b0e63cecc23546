// GPT-2's byte-level alphabet: each of the 256 byte values is shown as a printable code point
// (printable Latin-1 bytes map to themselves, the others to U+0100 onwards, so ' ' is 'Ġ').
// Shared by the ByteLevel pre-tokenizer, post-processor and decoder.
//
//   char32_t shown = byte_to_char(' ');   // U+0120 'Ġ'
//   int byte = char_to_byte(0x120);       // 32
#pragma once

#include <cstdint>
#include <string>

namespace attnscope::tokenizer {

char32_t byte_to_char(uint8_t byte);
// UTF-8 of byte_to_char(byte).
const std::string& byte_to_utf8(uint8_t byte);
// The byte a code point stands for, or -1 when it is not in the alphabet.
int char_to_byte(char32_t c);

}  // namespace attnscope::tokenizer
