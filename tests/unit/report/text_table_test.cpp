#include "report/text_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace attnscope::report {
namespace {

TEST(TextTable, PadsByCodePointsAndAligns) {
  TextTable table({"token", "score"}, {Align::kLeft, Align::kRight});
  table.add_row({"本", "0.5"});
  table.add_row({"abc", "12.25"});
  std::ostringstream out;
  table.write(out);
  EXPECT_EQ(out.str(), "token  score\n本        0.5\nabc    12.25\n");
}

TEST(TextTable, NoTrailingSpacesAfterALeftAlignedLastColumn) {
  TextTable table({"a", "b"}, {Align::kRight, Align::kLeft});
  table.add_row({"1", "x"});
  table.add_row({"2", "longer"});
  std::ostringstream out;
  table.write(out);
  EXPECT_EQ(out.str(), "a  b\n1  x\n2  longer\n");
}

TEST(Numbers, TableAndCsvFormats) {
  EXPECT_EQ(table_number(1e-25), "0.0000");
  EXPECT_EQ(table_number(0.87314), "0.8731");
  EXPECT_EQ(table_number(123456.0), "1.235e+05");
  EXPECT_EQ(table_number(std::nan("")), "-");
  EXPECT_EQ(csv_number(std::nan("")), "");
  EXPECT_EQ(csv_number(0.1), "0.1");
  EXPECT_EQ(csv_number(1.0 / 3.0), "0.333333333");
}

TEST(Csv, QuotesAndDoublesInnerQuotes) {
  EXPECT_EQ(csv_quote("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_quote("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_quote("line\nbreak"), "\"line\nbreak\"");
}

TEST(DisplayWidth, CountsCodePoints) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("Ã©"), 2u);
  EXPECT_EQ(display_width("本"), 1u);
  EXPECT_EQ(pad_right("本", 3), "本  ");
  EXPECT_EQ(pad_right("abcd", 3, 1), "abcd ");
}

}  // namespace
}  // namespace attnscope::report
