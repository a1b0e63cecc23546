// NFC, NFD, NFKC and NFKD through utf8proc. Normalization is applied one grapheme cluster at a
// time (compositions and reorderings never cross a cluster boundary in practice), so each output
// character can be aligned with an input character of its own cluster.
#include <utf8proc.h>

#include <cstdlib>

#include "tokenizer/normalizers/normalizers.h"

namespace attnscope::tokenizer {

namespace {

int utf8proc_options(UnicodeForm form) {
  switch (form) {
    case UnicodeForm::kNFC:
      return UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    case UnicodeForm::kNFD:
      return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
    case UnicodeForm::kNFKC:
      return UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    case UnicodeForm::kNFKD:
      return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
  }
  return 0;
}

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) : form_(form) {}
  void normalize(NormalizedString& s) const override { apply_unicode_form(s, form_); }

 private:
  UnicodeForm form_;
};

}  // namespace

void apply_unicode_form(NormalizedString& s, UnicodeForm form) {
  const std::string& in = s.get();
  bool ascii = true;
  for (char ch : in) {
    if (static_cast<unsigned char>(ch) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return;  // ASCII is invariant under every form

  const auto& align = s.alignments();
  const int options = utf8proc_options(form);
  std::string out;
  std::vector<Alignment> out_align;
  out.reserve(in.size() + in.size() / 4);
  out_align.reserve(out.capacity());

  size_t pos = 0;
  while (pos < in.size()) {
    // One grapheme cluster [start, end).
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
    const size_t end = pos;
    if (end - start == 1) {
      out.push_back(in[start]);
      out_align.push_back(align[start]);
      continue;
    }
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t len =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data() + start),
                     static_cast<utf8proc_ssize_t>(end - start), &mapped,
                     static_cast<utf8proc_option_t>(options));
    if (len < 0) {  // cannot happen on valid UTF-8; keep the cluster unchanged
      out.append(in, start, end - start);
      out_align.insert(out_align.end(), align.begin() + static_cast<std::ptrdiff_t>(start),
                       align.begin() + static_cast<std::ptrdiff_t>(end));
      continue;
    }
    const std::string_view result(reinterpret_cast<const char*>(mapped), static_cast<size_t>(len));
    if (result == std::string_view(in).substr(start, end - start)) {
      out.append(result);
      out_align.insert(out_align.end(), align.begin() + static_cast<std::ptrdiff_t>(start),
                       align.begin() + static_cast<std::ptrdiff_t>(end));
    } else {
      // Output character i aligns with input character min(i, n_in - 1).
      std::vector<size_t> input_starts;
      for (size_t p = start; p < end;
           p += unicode::utf8_length(static_cast<unsigned char>(in[p]))) {
        input_starts.push_back(p);
      }
      size_t rpos = 0;
      size_t index = 0;
      while (rpos < result.size()) {
        const size_t char_start = rpos;
        unicode::decode_utf8(result, rpos);
        const Alignment a = align[input_starts[std::min(index, input_starts.size() - 1)]];
        out.append(result.substr(char_start, rpos - char_start));
        out_align.insert(out_align.end(), rpos - char_start, a);
        ++index;
      }
    }
    std::free(mapped);
  }
  s.assign(std::move(out), std::move(out_align));
}

std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form) {
  return std::make_unique<UnicodeNormalizer>(form);
}

}  // namespace attnscope::tokenizer
