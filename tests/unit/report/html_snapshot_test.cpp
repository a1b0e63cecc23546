// report::html_snapshot: one self-contained file. The real embedded page is checked for what
// makes it work offline (every asset inlined, no reference left to a file or the network, no
// module syntax left), the data for escaping, and synthetic pages for each rule of the
// convention the module inliner relies on (web/README.md, "Offline snapshot").
#include "report/html_snapshot.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "core/error.h"

namespace attnscope::report {
namespace {

const std::string kHostile = "</script><img src=x onerror=alert('snapshot-test')><!-- & </SCRIPT >";

nlohmann::json hostile_bundle() {
  return {{"format", "attnscope-snapshot"},
          {"version", 1},
          {"model", "demo"},
          {"text", kHostile},
          {"tokenize", {{"tokens", {"<s>", kHostile, "a\"b"}}}}};
}

// The text of <script type="application/json" id="attnscope-snapshot">.
std::string embedded_json(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"attnscope-snapshot\">";
  const size_t start = html.find(open);
  EXPECT_NE(start, std::string::npos);
  EXPECT_EQ(html.find(open, start + 1), std::string::npos) << "the data appears twice";
  const size_t body = start + open.size();
  const size_t end = html.find("</script>", body);
  EXPECT_NE(end, std::string::npos);
  return html.substr(body, end - body);
}

TEST(HtmlSnapshot, DataIsEscapedAndReadsBackEqual) {
  const nlohmann::json bundle = hostile_bundle();
  const std::string html = html_snapshot(bundle);
  const std::string json = embedded_json(html);
  EXPECT_EQ(json.find('<'), std::string::npos) << json;
  EXPECT_EQ(json.find('>'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(json), bundle);
  EXPECT_EQ(html.find(kHostile), std::string::npos) << "the hostile text appears unescaped";
  EXPECT_EQ(html.find("<img src=x onerror=alert('snapshot-test')>"), std::string::npos);
  // The title holds the text too, HTML-escaped.
  EXPECT_NE(html.find("<title>attnscope · demo · &lt;/script&gt;"), std::string::npos);
}

TEST(HtmlSnapshot, EveryAssetIsInlined) {
  const std::string html = html_snapshot(hostile_bundle());
  size_t scripts = 0;
  for (const web::Asset& asset : web::assets()) {
    const std::string path(asset.path);
    if (path.ends_with(".js")) {
      ++scripts;
      // Each module is wrapped once, under a comment naming it: every .js is reachable from
      // js/main.js (an unreachable one would be dead code in the page anyway).
      EXPECT_NE(html.find("\n// " + path + "\n"), std::string::npos) << path << " is not inlined";
      EXPECT_NE(html.find("__attnscope_modules[\"" + path + "\"] = (function () {"),
                std::string::npos)
          << path;
    } else if (path.ends_with(".css")) {
      EXPECT_NE(html.find("<style>\n" + std::string(asset.body)), std::string::npos)
          << path << " is not inlined";
    } else if (path.ends_with(".svg")) {
      EXPECT_NE(html.find("data:image/svg+xml;charset=utf-8;base64," + base64(asset.body)),
                std::string::npos)
          << path << " is not inlined as a data: URI";
    }
  }
  EXPECT_GT(scripts, 5u);
}

TEST(HtmlSnapshot, NoExternalReferenceAndNoModuleSyntaxLeft) {
  const std::string html = html_snapshot(hostile_bundle());
  for (const char* banned :
       {"src=\"http", "href=\"http", "src=\"//", "href=\"//", "src=\"js/", "href=\"css/",
        "href=\"favicon", "src=\"favicon", "type=\"module\"", "<link rel=\"stylesheet\""}) {
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  }
  // No import/export statement survives (they would be syntax errors in a classic script).
  const std::regex import_line(R"((^|\n)\s*import\s*(\{|\*|['"]))");
  const std::regex import_from(R"(import\s[^;\n]*from\s*['"]\.)");
  const std::regex export_line(R"((^|\n)export\s)");
  EXPECT_FALSE(std::regex_search(html, import_line));
  EXPECT_FALSE(std::regex_search(html, import_from));
  EXPECT_FALSE(std::regex_search(html, export_line));
  // Exactly two script elements: the data and the inlined modules.
  size_t count = 0;
  for (size_t at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1))
    ++count;
  EXPECT_EQ(count, 2u);
  EXPECT_LT(html.find("id=\"attnscope-snapshot\""), html.find("<script id=\"attnscope-page\">\n"))
      << "the data must precede the code that reads it";
}

// A synthetic page: index.html plus the given modules.
std::string page(const std::vector<std::pair<std::string, std::string>>& modules,
                 const std::string& index =
                     "<!doctype html><html><head><title>x</title>"
                     "<script type=\"module\" src=\"js/main.js\"></script></head>"
                     "<body><p>hi</p></body></html>") {
  std::vector<web::Asset> assets;
  assets.push_back({"/index.html", "text/html; charset=utf-8", index});
  for (const auto& [path, body] : modules) {
    assets.push_back({path, "text/javascript; charset=utf-8", body});
  }
  return html_snapshot(assets, nlohmann::json{{"model", "m"}, {"text", "t"}});
}

TEST(HtmlSnapshot, RewritesImportsAndExportsInDependencyOrder) {
  const std::string html = page({
      {"/js/main.js",
       "import { twice as double, half } from './lib/math.js';\n"
       "import * as words from \"./words.js\";\n"
       "globalThis.result = double(half(42)) + words.name;\n"},
      {"/js/lib/math.js",
       "import { unit } from '../words.js';\n"
       "export function twice(x) { return x * 2 * unit; }\n"
       "export const half = (x) => x / 2;\n"},
      {"/js/words.js",
       "export const name = 'w</script>';\nexport const unit = 1;\n"
       "export class Thing {}\nexport async function later() {}\n"},
  });
  const size_t words = html.find("__attnscope_modules[\"/js/words.js\"] = ");
  const size_t math = html.find("__attnscope_modules[\"/js/lib/math.js\"] = ");
  const size_t main = html.find("__attnscope_modules[\"/js/main.js\"] = ");
  ASSERT_NE(words, std::string::npos);
  ASSERT_NE(math, std::string::npos);
  ASSERT_NE(main, std::string::npos);
  EXPECT_LT(words, math);
  EXPECT_LT(math, main);
  EXPECT_NE(html.find("const { twice: double, half } = __attnscope_modules[\"/js/lib/math.js\"];"),
            std::string::npos);
  EXPECT_NE(html.find("const words = __attnscope_modules[\"/js/words.js\"];"), std::string::npos);
  EXPECT_NE(html.find("const { unit } = __attnscope_modules[\"/js/words.js\"];"),
            std::string::npos);
  EXPECT_NE(html.find("return { name, unit, Thing, later };"), std::string::npos);
  EXPECT_NE(html.find("return { twice, half };"), std::string::npos);
  EXPECT_NE(html.find("'w<\\/script>'"), std::string::npos) << "</script in code is escaped";
  EXPECT_NE(html.find("<p>hi</p><script type=\"application/json\""), std::string::npos);
}

TEST(HtmlSnapshot, RefusesCodeOutsideTheConvention) {
  const auto refused = [](const std::string& main_js, const std::string& why) {
    EXPECT_THROW(page({{"/js/main.js", main_js}, {"/js/x.js", "export const a = 1;\n"}}),
                 FormatError)
        << why;
  };
  refused("export default 1;\n", "export default");
  refused("export let a = 1;\n", "export let (a live binding the rewrite cannot keep)");
  refused("export { a };\n", "export list");
  refused("import {\n  a,\n} from './x.js';\n", "multi-line import");
  refused("import a from './x.js';\n", "default import");
  refused("import { a } from 'x.js';\n", "bare specifier");
  refused("import { a } from './missing.js';\n", "missing module");
  refused("  import { a } from './x.js';\n", "indented import");
  refused("const m = import('./x.js');\n", "dynamic import");
  refused("const s = '<!--';\n", "<!-- in code");
  EXPECT_THROW(page({{"/js/main.js", "import { a } from './x.js';\n"},
                     {"/js/x.js", "import { b } from './main.js';\nexport const a = 1;\n"}}),
               FormatError)
      << "import cycle";
}

TEST(HtmlSnapshot, RefusesExternalOrUnknownReferencesInThePage) {
  const std::string head = "<!doctype html><html><head>";
  const std::string tail =
      "<script type=\"module\" src=\"js/main.js\"></script></head><body></body></html>";
  const std::vector<std::pair<std::string, std::string>> modules = {{"/js/main.js", "1;\n"}};
  EXPECT_THROW(
      page(modules, head + "<link rel=\"stylesheet\" href=\"https://cdn.x/a.css\">" + tail),
      FormatError);
  EXPECT_THROW(page(modules, head + "<img src=\"//cdn.x/a.png\">" + tail), FormatError);
  EXPECT_THROW(page(modules, head + "<img src=\"missing.png\">" + tail), FormatError);
  EXPECT_THROW(page(modules, head + "<script src=\"other.js\"></script>" + tail), FormatError);
  EXPECT_NO_THROW(page(modules, head + "<a href=\"#top\">top</a>" + tail));
}

TEST(HtmlSnapshot, Base64KnownAnswers) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(HtmlSnapshot, ScriptSafeJson) {
  const nlohmann::json value = {{"a", "</script><!-- & >"}, {"b", {1, 2}}};
  const std::string text = script_safe_json(value);
  EXPECT_EQ(text.find_first_of("<>&"), std::string::npos) << text;
  EXPECT_EQ(nlohmann::json::parse(text), value);
}

}  // namespace
}  // namespace attnscope::report
