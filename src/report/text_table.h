// Plain-text building blocks every writer shares: number formats for tables and CSV, RFC 4180
// quoting, terminal widths of UTF-8 text, and a table that pads its columns.
//
//   TextTable table({"layer", "head", "pattern"}, {Align::kRight, Align::kRight, Align::kLeft});
//   table.add_row({"0", "3", "previous"});
//   table.write(std::cout);
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::report {

// Four decimals, so columns line up and 1e-25 reads as the 0.0000 it is for a person; "-" for an
// undefined (NaN) figure. JSON and CSV keep full precision.
std::string table_number(double value);

// Nine significant digits (enough to round-trip what people compare); "" for NaN.
std::string csv_number(double value);

// RFC 4180: the field in double quotes, inner quotes doubled (tokens hold commas, quotes and
// newlines).
std::string csv_quote(std::string_view field);

// Terminal columns of UTF-8 `text`, counted in code points, so tables line up with non-ASCII
// tokens ("Ã©", "本"); a wide CJK character counts as one.
size_t display_width(std::string_view text);

// `cell` followed by spaces up to `width` display columns (at least `min_gap` spaces).
std::string pad_right(const std::string& cell, size_t width, size_t min_gap = 0);

enum class Align { kLeft, kRight };

// Columns separated by two spaces, each as wide as its widest cell (in display columns).
class TextTable {
 public:
  TextTable(std::vector<std::string> header, std::vector<Align> align);
  void add_row(std::vector<std::string> cells);
  void write(std::ostream& out) const;

 private:
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;  // header first
};

}  // namespace attnscope::report
