#include "tokenizer/normalized_string.h"

namespace attnscope::tokenizer {

NormalizedString::NormalizedString(std::string_view text, uint32_t original_offset)
    : normalized_(text), original_start_(original_offset) {
  alignments_.resize(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t len = unicode::utf8_length(static_cast<unsigned char>(text[pos]));
    const Alignment align{static_cast<uint32_t>(original_offset + pos),
                          static_cast<uint32_t>(original_offset + pos + len)};
    for (size_t k = 0; k < len && pos + k < text.size(); ++k) alignments_[pos + k] = align;
    pos += len;
  }
}

Alignment NormalizedString::original_range(size_t start, size_t end) const {
  if (start >= end || start >= alignments_.size()) {
    if (start > 0 && start <= alignments_.size()) {
      const uint32_t at = alignments_[start - 1].end;
      return {at, at};
    }
    return {original_start_, original_start_};
  }
  if (end > alignments_.size()) end = alignments_.size();
  return {alignments_[start].start, alignments_[end - 1].end};
}

NormalizedString NormalizedString::slice(size_t start, size_t end) const {
  NormalizedString out;
  out.normalized_.assign(normalized_, start, end - start);
  out.alignments_.assign(alignments_.begin() + static_cast<std::ptrdiff_t>(start),
                         alignments_.begin() + static_cast<std::ptrdiff_t>(end));
  out.original_start_ = original_range(start, end).start;
  return out;
}

void NormalizedString::replace_ranges(const std::vector<Piece>& matches, std::string_view content) {
  if (matches.empty()) return;
  std::string out;
  std::vector<Alignment> out_align;
  out.reserve(normalized_.size());
  out_align.reserve(normalized_.size());
  size_t last = 0;
  for (const Piece& m : matches) {
    out.append(normalized_, last, m.start - last);
    out_align.insert(out_align.end(), alignments_.begin() + static_cast<std::ptrdiff_t>(last),
                     alignments_.begin() + static_cast<std::ptrdiff_t>(m.start));
    Alignment align{original_start_, original_start_};
    if (m.end > 0) align = alignments_[m.end - 1];
    out.append(content);
    out_align.insert(out_align.end(), content.size(), align);
    last = m.end;
  }
  out.append(normalized_, last, std::string::npos);
  out_align.insert(out_align.end(), alignments_.begin() + static_cast<std::ptrdiff_t>(last),
                   alignments_.end());
  normalized_ = std::move(out);
  alignments_ = std::move(out_align);
}

void NormalizedString::prepend(std::string_view prefix) {
  if (normalized_.empty() || prefix.empty()) return;
  const Alignment align = alignments_.front();
  normalized_.insert(0, prefix);
  alignments_.insert(alignments_.begin(), prefix.size(), align);
}

void NormalizedString::append(std::string_view suffix) {
  if (normalized_.empty() || suffix.empty()) return;
  const Alignment align = alignments_.back();
  normalized_.append(suffix);
  alignments_.insert(alignments_.end(), suffix.size(), align);
}

void NormalizedString::strip(bool left, bool right) {
  size_t begin = 0;
  size_t end = normalized_.size();
  if (left) {
    size_t pos = 0;
    while (pos < end) {
      const size_t at = pos;
      if (!unicode::is_whitespace(unicode::decode_utf8(normalized_, pos))) {
        pos = at;
        break;
      }
    }
    begin = pos;
  }
  if (right) {
    while (end > begin) {
      size_t at = end - 1;
      while (at > begin && (static_cast<unsigned char>(normalized_[at]) & 0xC0) == 0x80) --at;
      size_t pos = at;
      if (!unicode::is_whitespace(unicode::decode_utf8(normalized_, pos))) break;
      end = at;
    }
  }
  if (begin == 0 && end == normalized_.size()) return;
  if (begin < end) original_start_ = alignments_[begin].start;
  normalized_ = normalized_.substr(begin, end - begin);
  alignments_.erase(alignments_.begin() + static_cast<std::ptrdiff_t>(end), alignments_.end());
  alignments_.erase(alignments_.begin(), alignments_.begin() + static_cast<std::ptrdiff_t>(begin));
}

void NormalizedString::assign(std::string normalized, std::vector<Alignment> alignments) {
  normalized_ = std::move(normalized);
  alignments_ = std::move(alignments);
}

}  // namespace attnscope::tokenizer
