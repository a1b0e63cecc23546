#include "tokenizer/added_vocabulary.h"

namespace attnscope::tokenizer {

void TokenMatcher::add(std::string_view text, size_t index) {
  if (text.empty()) return;
  int32_t node = 0;
  for (char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    int32_t next = -1;
    for (const auto& [b, child] : nodes_[node].children) {
      if (b == byte) next = child;
    }
    if (next < 0) {
      next = static_cast<int32_t>(nodes_.size());
      nodes_[node].children.emplace_back(byte, next);
      nodes_.emplace_back();
    }
    node = next;
  }
  if (nodes_[node].index < 0) nodes_[node].index = static_cast<int64_t>(index);
  first_byte_[static_cast<unsigned char>(text[0])] = true;
}

std::vector<TokenMatcher::Match> TokenMatcher::find_all(std::string_view text) const {
  std::vector<Match> out;
  if (empty()) return out;
  size_t pos = 0;
  while (pos < text.size()) {
    if (!first_byte_[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    int32_t node = 0;
    int64_t best_index = -1;
    size_t best_end = 0;
    for (size_t k = pos; k < text.size(); ++k) {
      const auto byte = static_cast<unsigned char>(text[k]);
      int32_t next = -1;
      for (const auto& [b, child] : nodes_[node].children) {
        if (b == byte) next = child;
      }
      if (next < 0) break;
      node = next;
      if (nodes_[node].index >= 0) {
        best_index = nodes_[node].index;
        best_end = k + 1;
      }
    }
    if (best_index >= 0) {
      out.push_back({pos, best_end, static_cast<size_t>(best_index)});
      pos = best_end;
    } else {
      ++pos;
    }
  }
  return out;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    by_id_[t.id] = i;
    by_content_[t.content] = i;
    if (t.normalized && normalizer != nullptr) {
      NormalizedString content(t.content, 0);
      normalizer->normalize(content);
      normalized_matcher_.add(content.get(), i);
    } else if (t.normalized) {
      normalized_matcher_.add(t.content, i);
    } else {
      original_matcher_.add(t.content, i);
    }
  }
}

std::optional<int64_t> AddedVocabulary::token_to_id(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  if (it == by_content_.end()) return std::nullopt;
  return tokens_[it->second].id;
}

const AddedToken* AddedVocabulary::find_id(int64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

void AddedVocabulary::split_on(const TokenMatcher& matcher, NormalizedString&& piece,
                               std::vector<Split>& out) const {
  const std::string& text = piece.get();
  auto ends_with_word = [&](size_t end) {
    if (end == 0) return false;
    size_t at = end - 1;
    while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
    size_t pos = at;
    return unicode::is_word_char(unicode::decode_utf8(text, pos));
  };
  auto starts_with_word = [&](size_t start) {
    if (start >= text.size()) return false;
    size_t pos = start;
    return unicode::is_word_char(unicode::decode_utf8(text, pos));
  };

  struct Found {
    size_t start;
    size_t end;
    size_t index;
  };
  std::vector<Found> found;
  size_t start_offset = 0;
  for (const auto& m : matcher.find_all(text)) {
    if (m.start < start_offset) continue;  // swallowed by the previous token's rstrip
    const AddedToken& token = tokens_[m.index];
    size_t start = m.start;
    size_t end = m.end;
    if (token.single_word && (ends_with_word(start) || starts_with_word(end))) continue;
    if (token.lstrip) {
      size_t new_start = start;
      while (new_start > start_offset) {
        size_t at = new_start - 1;
        while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
        size_t pos = at;
        if (!unicode::is_whitespace(unicode::decode_utf8(text, pos))) break;
        new_start = at;
      }
      start = new_start;
    }
    if (token.rstrip) {
      size_t pos = end;
      while (pos < text.size()) {
        size_t next = pos;
        if (!unicode::is_whitespace(unicode::decode_utf8(text, next))) break;
        pos = next;
      }
      end = pos;
    }
    found.push_back({start, end, m.index});
    start_offset = end;
  }
  if (found.empty()) {
    out.push_back({std::move(piece), std::nullopt});
    return;
  }
  size_t last = 0;
  for (const Found& f : found) {
    if (f.start > last) out.push_back({piece.slice(last, f.start), std::nullopt});
    const AddedToken& token = tokens_[f.index];
    NormalizedString slice = piece.slice(f.start, f.end);
    std::vector<Token> tokens{{token.id, token.content, 0, static_cast<uint32_t>(f.end - f.start)}};
    out.push_back({std::move(slice), std::move(tokens)});
    last = f.end;
  }
  if (last < text.size()) out.push_back({piece.slice(last, text.size()), std::nullopt});
}

void AddedVocabulary::extract_and_normalize(PreTokenizedString& pts,
                                            const Normalizer* normalizer) const {
  auto& splits = pts.splits();
  std::vector<Split> stage;
  for (Split& s : splits) {
    if (s.tokens) {
      stage.push_back(std::move(s));
    } else {
      split_on(original_matcher_, std::move(s.normalized), stage);
    }
  }
  std::vector<Split> done;
  done.reserve(stage.size());
  for (Split& s : stage) {
    if (s.tokens) {
      done.push_back(std::move(s));
      continue;
    }
    if (s.normalized.empty()) continue;
    if (normalizer != nullptr) normalizer->normalize(s.normalized);
    split_on(normalized_matcher_, std::move(s.normalized), done);
  }
  splits.clear();
  for (Split& s : done) {
    if (!s.normalized.empty() || s.tokens) splits.push_back(std::move(s));
  }
}

}  // namespace attnscope::tokenizer
