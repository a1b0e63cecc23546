#include "report/encoding_report.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "report/text_table.h"

namespace attnscope::report {
namespace {

// The code points [start, end) of `text`, with control characters escaped for a terminal.
std::string shown_span(const std::string& text, int64_t start, int64_t end) {
  std::string out;
  int64_t index = 0;
  size_t pos = 0;
  while (pos < text.size() && index < end) {
    const size_t at = pos;
    pos += std::max<size_t>(1, [&] {
      const auto b = static_cast<unsigned char>(text[at]);
      return b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : 4;
    }());
    if (index >= start) {
      const char c = text[at];
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else {
        out.append(text, at, pos - at);
      }
    }
    ++index;
  }
  return out;
}

}  // namespace

nlohmann::ordered_json encoding_json(const Encoding& e) {
  nlohmann::ordered_json out;
  out["ids"] = e.ids;
  out["tokens"] = e.tokens;
  nlohmann::ordered_json offsets = nlohmann::ordered_json::array();
  for (const auto& [start, end] : e.offsets) offsets.push_back({start, end});
  out["offsets"] = offsets;
  out["special_mask"] = e.special_mask;
  return out;
}

std::string dump_line(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void write_encoding_table(std::ostream& out, const std::string& text, const Encoding& e) {
  out << std::left << std::setw(6) << "pos" << std::setw(10) << "id" << std::setw(24) << "token"
      << std::setw(14) << "offsets" << std::setw(9) << "special"
      << "text\n";
  for (size_t i = 0; i < e.size(); ++i) {
    const auto [start, end] = e.offsets[i];
    std::ostringstream range;
    range << start << ".." << end;
    // setw counts bytes; pad by code points so UTF-8 tokens line up.
    const std::string& token = e.tokens[i];
    const size_t width = display_width(token);
    out << std::setw(6) << i << std::setw(10) << e.ids[i] << token
        << std::string(width < 24 ? 24 - width : 1, ' ') << std::setw(14) << range.str()
        << std::setw(9) << (e.special_mask[i] ? "yes" : "") << shown_span(text, start, end) << "\n";
  }
}

}  // namespace attnscope::report
