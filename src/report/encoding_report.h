// A tokenizer's output (Encoding) for scripts and people: the JSON `tokenize` prints (also the
// server's /api/tokenize answer) and the table with offsets and the text each token covers.
//
//   const Encoding e = tokenizer.encode("Hello world", true);
//   std::cout << encoding_json(e).dump() << "\n";
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "tokenizer/tokenizer.h"

namespace attnscope::report {

// {"ids", "tokens", "offsets": [[start, end], ...] (code points), "special_mask"}, keys in that
// order.
nlohmann::ordered_json encoding_json(const Encoding& encoding);

// A JSON value as one line; invalid UTF-8 in a token becomes U+FFFD instead of an exception.
std::string dump_line(const nlohmann::ordered_json& value);

// pos, id, token, offsets, special, and the text each token covers (control characters escaped).
void write_encoding_table(std::ostream& out, const std::string& text, const Encoding& encoding);

}  // namespace attnscope::report
