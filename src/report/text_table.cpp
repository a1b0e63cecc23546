#include "report/text_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace attnscope::report {

std::string table_number(double value) {
  if (std::isnan(value)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), std::fabs(value) < 1e4 ? "%.4f" : "%.4g", value);
  return buffer;
}

std::string csv_number(double value) {
  if (std::isnan(value)) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

std::string csv_quote(std::string_view field) {
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

size_t display_width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
  }));
}

std::string pad_right(const std::string& cell, size_t width, size_t min_gap) {
  const size_t shown = display_width(cell);
  return cell + std::string(std::max(width > shown ? width - shown : 0, min_gap), ' ');
}

TextTable::TextTable(std::vector<std::string> header, std::vector<Align> align)
    : align_(std::move(align)) {
  rows_.push_back(std::move(header));
}

void TextTable::add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

void TextTable::write(std::ostream& out) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t k = 0; k < row.size(); ++k) widths[k] = std::max(widths[k], display_width(row[k]));
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t k = 0; k < row.size(); ++k) {
      if (k > 0) line += "  ";
      const size_t shown = display_width(row[k]);
      const std::string pad(widths[k] > shown ? widths[k] - shown : 0, ' ');
      const bool left = k < align_.size() && align_[k] == Align::kLeft;
      line += left ? row[k] + pad : pad + row[k];
    }
    // A left-aligned last column leaves trailing spaces; a person never wants those.
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << "\n";
  }
}

}  // namespace attnscope::report
