#include "report/html_snapshot.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <vector>

#include "core/error.h"

namespace attnscope::report {
namespace {

constexpr std::string_view kIndex = "/index.html";
constexpr std::string_view kEntryModule = "/js/main.js";

const web::Asset* find(std::span<const web::Asset> assets, std::string_view path) {
  for (const auto& asset : assets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// "/js/views/heatmap.js" + "../dom.js" -> "/js/dom.js". Only relative specifiers.
std::string resolve(const std::string& from, const std::string& spec, const std::string& where) {
  if (spec.rfind("./", 0) != 0 && spec.rfind("../", 0) != 0) {
    throw FormatError(where, "import of '" + spec + "': only relative imports ('./', '../')");
  }
  std::vector<std::string> parts;
  {
    const std::string dir = from.substr(0, from.rfind('/'));
    size_t start = 1;
    while (start <= dir.size()) {
      const size_t end = std::min(dir.find('/', start), dir.size());
      if (end > start) parts.push_back(dir.substr(start, end - start));
      start = end + 1;
    }
  }
  size_t start = 0;
  while (start < spec.size()) {
    const size_t end = std::min(spec.find('/', start), spec.size());
    const std::string part = spec.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) throw FormatError(where, "import of '" + spec + "' leaves web/");
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out;
}

// `</script` ends a script element wherever it appears; `<\/script` means the same to
// JavaScript in a string, a template, a comment or a regular expression.
std::string script_safe_code(std::string_view code, const std::string& where) {
  std::string out;
  out.reserve(code.size());
  for (size_t i = 0; i < code.size(); ++i) {
    if (code[i] == '<' && i + 1 < code.size() && code[i + 1] == '/' &&
        lower(code.substr(i + 2, 6)) == "script") {
      out += "<\\/";
      ++i;
      continue;
    }
    if (code.substr(i, 4) == "<!--") {
      throw FormatError(where,
                        "'<!--' would change how the inlined script is parsed; write it "
                        "as '<' + '!--'");
    }
    out += code[i];
  }
  return out;
}

struct Module {
  std::string path;
  std::vector<std::string> deps;
  std::string code;  // rewritten body
};

const std::regex kNamedImport(R"(^import\s*\{([^}]*)\}\s*from\s*(['"])([^'"]+)\2\s*;?\s*$)");
const std::regex kNamespaceImport(
    R"(^import\s*\*\s*as\s+([A-Za-z_$][\w$]*)\s+from\s*(['"])([^'"]+)\2\s*;?\s*$)");
const std::regex kBareImport(R"(^import\s*(['"])([^'"]+)\1\s*;?\s*$)");
const std::regex kExport(
    R"(^export\s+(async\s+function\*?|function\*?|class|const)\s+([A-Za-z_$][\w$]*))");
const std::regex kImportName(R"(^\s*([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?\s*$)");

std::string modules_ref(const std::string& path) { return "__attnscope_modules[\"" + path + "\"]"; }

// One module's body with its import lines turned into reads of the modules table and its
// `export` keywords dropped, returning the exported names at the end.
Module rewrite_module(const std::string& path, std::string_view source) {
  Module module{path, {}, {}};
  std::vector<std::string> exported;
  std::string body;
  size_t line_number = 0;
  size_t start = 0;
  while (start <= source.size()) {
    size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    std::string line(source.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ++line_number;
    const std::string where = "web" + path + ": line " + std::to_string(line_number);
    const size_t first = line.find_first_not_of(" \t");
    const std::string trimmed = first == std::string::npos ? "" : line.substr(first);
    const bool import_line = std::regex_search(trimmed, std::regex(R"(^import[\s{*'"])"));
    const bool export_line = std::regex_search(trimmed, std::regex(R"(^export[\s{*])"));
    if ((import_line || export_line) && first != 0) {
      throw FormatError(where, "an import or export must start its line (snapshot convention)");
    }
    if (line.find("import(") != std::string::npos ||
        line.find("import.meta") != std::string::npos) {
      throw FormatError(where, "dynamic import() and import.meta cannot be inlined");
    }
    std::smatch m;
    if (import_line) {
      if (std::regex_match(line, m, kNamedImport)) {
        const std::string dep = resolve(path, m[3].str(), where);
        module.deps.push_back(dep);
        std::string names;
        std::string list = m[1].str();
        size_t s = 0;
        while (s <= list.size()) {
          size_t e = list.find(',', s);
          if (e == std::string::npos) e = list.size();
          const std::string item = list.substr(s, e - s);
          s = e + 1;
          if (item.find_first_not_of(" \t") == std::string::npos) continue;
          std::smatch n;
          if (!std::regex_match(item, n, kImportName)) {
            throw FormatError(where, "cannot read the imported name '" + item + "'");
          }
          names += (names.empty() ? "" : ", ") + n[1].str();
          if (n[2].matched) names += ": " + n[2].str();
        }
        body += "const { " + names + " } = " + modules_ref(dep) + ";\n";
      } else if (std::regex_match(line, m, kNamespaceImport)) {
        const std::string dep = resolve(path, m[3].str(), where);
        module.deps.push_back(dep);
        body += "const " + m[1].str() + " = " + modules_ref(dep) + ";\n";
      } else if (std::regex_match(line, m, kBareImport)) {
        module.deps.push_back(resolve(path, m[2].str(), where));
        body += "\n";
      } else {
        throw FormatError(where,
                          "imports are one line each: import { a, b } from './x.js'; or "
                          "import * as x from './x.js'; (snapshot convention)");
      }
    } else if (export_line) {
      if (!std::regex_search(line, m, kExport)) {
        throw FormatError(where,
                          "exports are 'export function|async function|class|const NAME' "
                          "(no let/var, default or export lists: snapshot convention)");
      }
      exported.push_back(m[2].str());
      body += line.substr(std::string_view("export").size() + 1) + "\n";
    } else {
      body += line + "\n";
    }
    start = end + 1;
  }
  std::string code = modules_ref(path) + " = (function () {\n'use strict';\n" + body + "return { ";
  for (size_t i = 0; i < exported.size(); ++i) code += (i ? ", " : "") + exported[i];
  code += " };\n})();\n";
  module.code = script_safe_code(code, "web" + path);
  return module;
}

// Every module reachable from the entry, dependencies first.
std::string bundle_modules(std::span<const web::Asset> assets) {
  std::vector<Module> ordered;
  std::set<std::string> done;
  std::vector<std::string> stack;
  std::function<void(const std::string&, const std::string&)> visit =
      [&](const std::string& path, const std::string& importer) {
        if (done.count(path)) return;
        if (std::find(stack.begin(), stack.end(), path) != stack.end()) {
          throw FormatError("web" + path, "import cycle through " + importer +
                                              " (the snapshot needs modules in an order)");
        }
        const web::Asset* asset = find(assets, path);
        if (!asset) {
          throw FormatError(importer.empty() ? "web/index.html" : "web" + importer,
                            "imports '" + path + "', which is not a web asset");
        }
        stack.push_back(path);
        Module module = rewrite_module(path, asset->body);
        for (const auto& dep : module.deps) visit(dep, path);
        stack.pop_back();
        done.insert(path);
        ordered.push_back(std::move(module));
      };
  visit(std::string(kEntryModule), "");
  std::string out =
      "(function () {\n'use strict';\nconst __attnscope_modules = Object.create(null);\n";
  for (const auto& module : ordered) out += "// " + module.path + "\n" + module.code;
  out += "})();\n";
  return out;
}

std::string data_uri(const web::Asset& asset) {
  std::string type(asset.content_type);
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  return "data:" + type + ";base64," + base64(asset.body);
}

const web::Asset& local_asset(std::span<const web::Asset> assets, const std::string& ref) {
  std::string path = ref;
  if (path.rfind("./", 0) == 0) path = path.substr(1);
  if (path.empty() || path[0] != '/') path = "/" + path;
  const web::Asset* asset = find(assets, path);
  if (!asset)
    throw FormatError("web/index.html", "references '" + ref + "', which is not a web asset");
  return *asset;
}

bool is_external(const std::string& ref) {
  const std::string l = lower(ref);
  return l.rfind("http:", 0) == 0 || l.rfind("https:", 0) == 0 || l.rfind("//", 0) == 0 ||
         l.rfind("javascript:", 0) == 0;
}

const std::regex kAttribute(R"re(([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*"([^"]*)")re");

}  // namespace

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string script_safe_json(const nlohmann::json& json) {
  const std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

std::string html_snapshot(std::span<const web::Asset> assets, const nlohmann::json& bundle) {
  const web::Asset* index = find(assets, kIndex);
  if (!index) throw FormatError("web/index.html", "missing: the snapshot starts from the page");
  const std::string html(index->body);
  std::string out;
  out.reserve(html.size() + (size_t{1} << 16));
  bool entry_seen = false;
  size_t pos = 0;
  while (pos < html.size()) {
    const size_t open = html.find('<', pos);
    if (open == std::string::npos) {
      out.append(html, pos, std::string::npos);
      break;
    }
    out.append(html, pos, open - pos);
    const size_t close = html.find('>', open);
    if (close == std::string::npos) throw FormatError("web/index.html", "unclosed tag", open);
    const std::string tag = html.substr(open, close - open + 1);
    pos = close + 1;
    size_t name_end = tag.size() > 1 && tag[1] == '/' ? 2 : 1;
    while (name_end < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[name_end])))) {
      ++name_end;
    }
    const std::string name = lower(tag.substr(1, name_end - 1));
    std::map<std::string, std::string> attrs;
    for (auto it = std::sregex_iterator(tag.begin(), tag.end(), kAttribute);
         it != std::sregex_iterator(); ++it) {
      attrs[lower((*it)[1].str())] = (*it)[2].str();
    }
    if (name == "title" && bundle.contains("model") && bundle["model"].is_string()) {
      const size_t end = html.find("</title>", pos);
      if (end == std::string::npos) throw FormatError("web/index.html", "unclosed <title>", open);
      std::string text = bundle.value("text", "");
      if (text.size() > 60) text = text.substr(0, 60) + "…";
      out += "<title>" +
             html_escape("attnscope · " + bundle["model"].get<std::string>() + " · " + text) +
             "</title>";
      pos = end + std::string_view("</title>").size();
      continue;
    }
    if (name == "script" && attrs.count("src")) {
      if (attrs["src"] != std::string(kEntryModule).substr(1) || attrs["type"] != "module") {
        throw FormatError("web/index.html", "the only script is <script type=\"module\" src=\"" +
                                                std::string(kEntryModule).substr(1) + "\">");
      }
      const size_t end = html.find("</script>", pos);
      if (end == std::string::npos) throw FormatError("web/index.html", "unclosed <script>", open);
      pos = end + std::string_view("</script>").size();
      entry_seen = true;
      continue;
    }
    if (name == "link" && lower(attrs["rel"]) == "stylesheet") {
      const web::Asset& css = local_asset(assets, attrs["href"]);
      if (lower(std::string(css.body)).find("</style") != std::string::npos) {
        throw FormatError("web" + std::string(css.path),
                          "holds '</style', which would end the inlined style");
      }
      out += "<style>\n" + std::string(css.body) + "\n</style>";
      continue;
    }
    if (name == "body" || name == "/body") {
      if (name == "/body") {
        if (!entry_seen)
          throw FormatError("web/index.html", "no <script type=\"module\" src=\"js/main.js\">");
        out += "<script type=\"application/json\" id=\"attnscope-snapshot\">" +
               script_safe_json(bundle) + "</script>\n<script id=\"attnscope-page\">\n" +
               bundle_modules(assets) + "</script>\n";
      }
      out += tag;
      continue;
    }
    // Any other tag: local references become data: URIs, external ones are refused.
    std::string rewritten = tag;
    for (const char* attr : {"src", "href"}) {
      auto it = attrs.find(attr);
      if (it == attrs.end()) continue;
      const std::string& ref = it->second;
      if (ref.empty() || ref[0] == '#' || lower(ref).rfind("data:", 0) == 0) continue;
      if (is_external(ref)) {
        throw FormatError("web/index.html", "references '" + ref + "': a snapshot opens offline");
      }
      const std::string from = std::string(attr) + "=\"" + ref + "\"";
      const size_t at = rewritten.find(from);
      if (at == std::string::npos) throw FormatError("web/index.html", "cannot rewrite " + from);
      rewritten.replace(at, from.size(),
                        std::string(attr) + "=\"" + data_uri(local_asset(assets, ref)) + "\"");
    }
    out += rewritten;
  }
  if (out.find("id=\"attnscope-snapshot\"") == std::string::npos) {
    throw FormatError("web/index.html", "no </body>: nowhere to put the snapshot's data");
  }
  return out;
}

std::string html_snapshot(const nlohmann::json& bundle) {
  return html_snapshot(web::assets(), bundle);
}

}  // namespace attnscope::report
