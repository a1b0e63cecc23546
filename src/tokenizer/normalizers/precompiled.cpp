// Precompiled: SentencePiece's normalization rules (precompiled_charsmap, base64), a
// darts-clone double-array trie over UTF-8 plus a blob of NUL-terminated replacements, applied
// per grapheme cluster (whole cluster first when shorter than 6 bytes, else per character), as
// Hugging Face's spm_precompiled does.
#include <utf8proc.h>

#include <cstring>
#include <optional>

#include "tokenizer/normalizers/normalizers.h"

namespace attnscope::tokenizer {

namespace {

std::string decode_base64(const JsonNode& node) {
  const std::string text = node.as_string();
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    const int v = value(c);
    if (v < 0) node.fail("is not valid base64");
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

class Precompiled : public Normalizer {
 public:
  explicit Precompiled(const JsonNode& node) {
    if (!node.has("precompiled_charsmap") || node.at("precompiled_charsmap").as_string().empty()) {
      return;  // an empty charsmap normalizes nothing
    }
    const std::string blob = decode_base64(node.at("precompiled_charsmap"));
    if (blob.size() < 4) node.at("precompiled_charsmap").fail("is too short");
    uint32_t trie_size = 0;
    std::memcpy(&trie_size, blob.data(), 4);
    if (trie_size % 4 != 0 || 4 + static_cast<size_t>(trie_size) > blob.size()) {
      node.at("precompiled_charsmap").fail("has a trie size that does not fit the blob");
    }
    units_.resize(trie_size / 4);
    std::memcpy(units_.data(), blob.data() + 4, trie_size);
    normalized_ = blob.substr(4 + trie_size);
    if (units_.empty()) node.at("precompiled_charsmap").fail("has an empty trie");
  }

  void normalize(NormalizedString& s) const override {
    if (units_.empty()) return;
    const std::string& in = s.get();
    const auto& align = s.alignments();
    std::string out;
    std::vector<Alignment> out_align;
    out.reserve(in.size());
    out_align.reserve(in.size());
    bool modified = false;
    size_t pos = 0;
    while (pos < in.size()) {
      const size_t start = pos;
      utf8proc_int32_t state = 0;
      char32_t prev = unicode::decode_utf8(in, pos);
      while (pos < in.size()) {
        size_t next = pos;
        const char32_t c = unicode::decode_utf8(in, next);
        if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                             static_cast<utf8proc_int32_t>(c), &state)) {
          break;
        }
        prev = c;
        pos = next;
      }
      const std::string_view grapheme(in.data() + start, pos - start);
      if (grapheme.size() < 6) {
        if (auto norm = transform(grapheme)) {
          modified = true;
          emit(*norm, grapheme, start, align, out, out_align);
          continue;
        }
      }
      size_t cpos = start;
      while (cpos < pos) {
        const size_t char_start = cpos;
        unicode::decode_utf8(in, cpos);
        const std::string_view part(in.data() + char_start, cpos - char_start);
        if (auto norm = transform(part)) {
          modified = true;
          emit(*norm, part, char_start, align, out, out_align);
        } else {
          out.append(part);
          out_align.insert(out_align.end(), part.size(), align[char_start]);
        }
      }
    }
    if (modified) s.assign(std::move(out), std::move(out_align));
  }

 private:
  // Output character i aligns with input character min(i, count - 1) of `part`.
  static void emit(std::string_view norm, std::string_view part, size_t part_start,
                   const std::vector<Alignment>& align, std::string& out,
                   std::vector<Alignment>& out_align) {
    std::vector<size_t> starts;
    for (size_t p = 0; p < part.size();
         p += unicode::utf8_length(static_cast<unsigned char>(part[p]))) {
      starts.push_back(part_start + p);
    }
    size_t npos = 0;
    size_t index = 0;
    while (npos < norm.size()) {
      const size_t begin = npos;
      unicode::decode_utf8(norm, npos);
      out.append(norm.substr(begin, npos - begin));
      out_align.insert(out_align.end(), npos - begin,
                       align[starts[std::min(index, starts.size() - 1)]]);
      ++index;
    }
  }

  // The replacement of the shortest trie key that prefixes `key`, as spm_precompiled does.
  std::optional<std::string_view> transform(std::string_view key) const {
    auto offset = [](uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); };
    auto label = [](uint32_t unit) { return unit & ((1u << 31) | 0xFF); };
    auto has_leaf = [](uint32_t unit) { return ((unit >> 8) & 1) == 1; };
    size_t node = offset(units_[0]);
    for (char ch : key) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == 0) break;
      node ^= c;
      if (node >= units_.size()) return std::nullopt;
      const uint32_t unit = units_[node];
      if (label(unit) != c) return std::nullopt;
      node ^= offset(unit);
      if (node >= units_.size()) return std::nullopt;
      if (has_leaf(unit)) {
        const size_t index = units_[node] & ((1u << 31) - 1);
        if (index >= normalized_.size()) return std::nullopt;
        const size_t end = normalized_.find('\0', index);
        return std::string_view(normalized_)
            .substr(index, (end == std::string::npos ? normalized_.size() : end) - index);
      }
    }
    return std::nullopt;
  }

  std::vector<uint32_t> units_;
  std::string normalized_;
};

}  // namespace

std::unique_ptr<Normalizer> make_precompiled_normalizer(const JsonNode& node) {
  return std::make_unique<Precompiled>(node);
}

}  // namespace attnscope::tokenizer
