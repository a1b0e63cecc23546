// `attnscope report`, run in-process: the file it writes holds the same analysis as
// `attnscope analyze`, every layer's attention, escaped data, and it refuses to overwrite.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/cli_harness.h"

namespace attnscope {
namespace {

using testing::CliResult;
using testing::run_cli;

class ReportCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attnscope-report-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

nlohmann::json embedded(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"attnscope-snapshot\">";
  const size_t start = html.find(open);
  if (start == std::string::npos) return nullptr;
  const size_t end = html.find("</script>", start);
  const std::string json = html.substr(start + open.size(), end - start - open.size());
  EXPECT_EQ(json.find('<'), std::string::npos);
  return nlohmann::json::parse(json);
}

std::string unbase64(const std::string& text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else
      break;  // '='
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

TEST_F(ReportCommand, HoldsTheAnalysisAndEveryLayer) {
  const std::string text = "the cat sat on the mat . the cat sat on the mat .";
  const std::string out = path("report.html");
  const CliResult r = run_cli({"report", "--model", "demo", "--text", text, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.error;
  const nlohmann::json bundle = embedded(read(out));
  ASSERT_TRUE(bundle.is_object());
  EXPECT_EQ(bundle["model"], "demo");
  EXPECT_EQ(bundle["text"], text);

  const CliResult analyze =
      run_cli({"analyze", "--model", "demo", "--text", text, "--format", "json"});
  ASSERT_EQ(analyze.exit_code, 0) << analyze.error;
  EXPECT_EQ(bundle["analyze"]["heads"], nlohmann::json::parse(analyze.out)["heads"]);

  const nlohmann::json model = bundle["models"]["models"].at(0);
  const auto layers = model["layers"].get<size_t>();
  const auto heads = model["heads"].get<int64_t>();
  const auto tokens = static_cast<int64_t>(bundle["tokenize"]["tokens"].size());
  ASSERT_EQ(bundle["attention"].size(), layers);
  for (size_t layer = 0; layer < layers; ++layer) {
    const std::string body = unbase64(bundle["attention"][layer]["binary"]);
    ASSERT_GE(body.size(), 4u);
    const uint32_t n = static_cast<uint8_t>(body[0]) | static_cast<uint8_t>(body[1]) << 8 |
                       static_cast<uint8_t>(body[2]) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(body[3])) << 24;
    const nlohmann::json header = nlohmann::json::parse(body.substr(4, n));
    EXPECT_EQ(header["layer"], layer);
    EXPECT_EQ(header["dtype"], "f32");  // small enough to keep exact
    EXPECT_EQ(header["shape"], nlohmann::json({heads, tokens, tokens}));
    const size_t start = (4 + n + 7) / 8 * 8;
    ASSERT_EQ(body.size(), start + static_cast<size_t>(heads * tokens * tokens) * 4);
    // Every row of every head sums to 1.
    const auto* values = reinterpret_cast<const float*>(body.data() + start);
    for (int64_t row = 0; row < heads * tokens; ++row) {
      double sum = 0;
      for (int64_t k = 0; k < tokens; ++k) sum += values[row * tokens + k];
      EXPECT_NEAR(sum, 1.0, 1e-5) << "layer " << layer << " row " << row;
    }
  }
}

TEST_F(ReportCommand, RefusesToOverwriteWithoutForce) {
  const std::string out = path("r.html");
  { std::ofstream(out) << "keep me"; }
  const CliResult r = run_cli({"report", "--model", "demo", "--text", "a b", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.error.find("--force"), std::string::npos) << r.error;
  EXPECT_EQ(read(out), "keep me");
  const CliResult forced =
      run_cli({"report", "--model", "demo", "--text", "a b", "--out", out, "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.error;
  EXPECT_TRUE(embedded(read(out)).is_object());
}

TEST_F(ReportCommand, InputFileAndErrors) {
  const std::string one = path("one.txt");
  { std::ofstream(one) << "</script><img src=x onerror=alert('report-test')>\n"; }
  const std::string out = path("a.html");
  const CliResult r = run_cli({"report", "--model", "demo", "--input", one, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.error;
  const std::string html = read(out);
  EXPECT_EQ(embedded(html)["text"], "</script><img src=x onerror=alert('report-test')>");
  EXPECT_EQ(html.find("<img src=x onerror=alert('report-test')>"), std::string::npos);

  const std::string two = path("two.jsonl");
  { std::ofstream(two) << "{\"text\": \"a\"}\n{\"text\": \"b\"}\n"; }
  const CliResult several =
      run_cli({"report", "--model", "demo", "--input", two, "--out", path("b.html")});
  EXPECT_EQ(several.exit_code, 1);
  EXPECT_NE(several.error.find("holds 2 texts"), std::string::npos) << several.error;

  const CliResult none = run_cli({"report", "--model", "demo", "--out", path("c.html")});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.error.find("--text or --input"), std::string::npos) << none.error;
  EXPECT_FALSE(std::filesystem::exists(path("c.html")));
}

}  // namespace
}  // namespace attnscope
