// User data in error messages: every message that shows a name, a value or a line from a file
// goes through quote(), so a 50 MB string, a control character or invalid UTF-8 never reaches
// the terminal whole. At most limits::kMaxQuotedChars characters are shown; a longer value ends
// in "..." and says how long it was.
//
//   quote("llama")              -> 'llama'
//   quote(std::string(1e6,'a')) -> 'aaaa…(80 a)...' (1000000 bytes)
//   quote("a\nb")               -> 'a\nb'
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/limits.h"

namespace attnscope {

// The text between single quotes, control bytes and invalid UTF-8 as \xNN, cut after
// `max_chars` characters.
std::string quote(std::string_view text, size_t max_chars = limits::kMaxQuotedChars);

}  // namespace attnscope
