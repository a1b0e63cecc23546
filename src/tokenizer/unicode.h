// Small Unicode helpers the tokenizer stages share: UTF-8 decoding/encoding of valid text,
// validation with the byte offset of the first bad sequence, and the character classes Hugging
// Face's tokenizers use (Rust's char::is_whitespace, is_numeric, Unicode punctuation, ...),
// answered by utf8proc.
//
//   size_t i = 0;
//   while (i < text.size()) { char32_t c = unicode::decode_utf8(text, i); ... }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace attnscope::tokenizer::unicode {

// Byte offset of the first invalid UTF-8 sequence in `text`, or nullopt when it is all valid.
std::optional<size_t> find_invalid_utf8(std::string_view text);

// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for stray continuation bytes).
inline size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Decodes the code point at `pos` of VALID UTF-8 text and advances `pos` past it.
inline char32_t decode_utf8(std::string_view text, size_t& pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  const size_t len = utf8_length(b0);
  char32_t c = len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (size_t k = 1; k < len; ++k)
    c = (c << 6) | (static_cast<unsigned char>(text[pos + k]) & 0x3F);
  pos += len;
  return c;
}

void append_utf8(std::string& out, char32_t c);
inline size_t utf8_size(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }
std::string to_utf8(char32_t c);

// Number of code points in valid UTF-8 text.
size_t count_code_points(std::string_view text);

// Rust's char::is_whitespace (the White_Space property).
bool is_whitespace(char32_t c);
// Unicode general category P* (Pc, Pd, Ps, Pe, Pi, Pf, Po).
bool is_punctuation(char32_t c);
// Hugging Face's BERT punctuation: ASCII punctuation or Unicode P*.
bool is_bert_punctuation(char32_t c);
// Rust's char::is_numeric: Nd, Nl, No.
bool is_numeric(char32_t c);
// Letters, marks, numbers and connector punctuation: what a regex \w matches.
bool is_word_char(char32_t c);
// Cc, Cf, Cs, Co, Cn.
bool is_other(char32_t c);
// Mn.
bool is_nonspacing_mark(char32_t c);
// The CJK ideograph blocks BERT surrounds with spaces.
bool is_cjk_ideograph(char32_t c);
// Simple lowercase mapping; U+0130 is the one character whose lowercase is two code points.
char32_t to_lower_simple(char32_t c);

}  // namespace attnscope::tokenizer::unicode
