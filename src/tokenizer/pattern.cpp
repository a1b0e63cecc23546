#include "tokenizer/pattern.h"

#include <algorithm>

#include "core/error.h"
#include "core/quote.h"

namespace attnscope::tokenizer {

Pattern Pattern::literal(std::string text) {
  Pattern p;
  p.kind_ = Kind::kLiteral;
  p.literal_ = std::move(text);
  return p;
}

Pattern Pattern::regex(std::string_view pattern, const std::string& where) {
  Pattern p;
  p.kind_ = Kind::kRegex;
  p.regex_ = std::make_shared<const Regex>(pattern, where);
  return p;
}

Pattern Pattern::predicate(std::function<bool(char32_t)> is_match) {
  Pattern p;
  p.kind_ = Kind::kPredicate;
  p.predicate_ = std::move(is_match);
  return p;
}

Pattern Pattern::from_json(const JsonNode& node) {
  if (node.has("String")) return literal(node.at("String").as_string());
  if (node.has("Regex")) {
    const JsonNode re = node.at("Regex");
    return regex(re.as_string(), re.file() + ": " + re.path());
  }
  node.fail("expected {\"String\": ...} or {\"Regex\": ...}");
}

std::vector<Piece> Pattern::matches(std::string_view text) const {
  std::vector<Piece> out;
  switch (kind_) {
    case Kind::kLiteral: {
      if (literal_.empty()) break;
      size_t pos = 0;
      while ((pos = text.find(literal_, pos)) != std::string_view::npos) {
        out.push_back({pos, pos + literal_.size(), true});
        pos += literal_.size();
      }
      break;
    }
    case Kind::kRegex:
      regex_->for_each_match(text, [&](size_t start, size_t end) {
        out.push_back({start, end, true});
      });
      break;
    case Kind::kPredicate: {
      size_t pos = 0;
      while (pos < text.size()) {
        const size_t start = pos;
        if (predicate_(unicode::decode_utf8(text, pos))) out.push_back({start, pos, true});
      }
      break;
    }
  }
  return out;
}

std::vector<Piece> Pattern::find_matches(std::string_view text, bool invert) const {
  if (text.empty()) return {{0, 0, invert}};
  std::vector<Piece> out;
  size_t prev = 0;
  for (const Piece& m : matches(text)) {
    if (m.start != prev) out.push_back({prev, m.start, invert});
    out.push_back({m.start, m.end, !invert});
    prev = m.end;
  }
  if (prev != text.size()) out.push_back({prev, text.size(), invert});
  return out;
}

SplitBehavior split_behavior_from_json(const JsonNode& node) {
  const std::string name = node.as_string();
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  node.fail("= " + quote(name) +
            " is not supported; expected one of Removed, Isolated, MergedWithPrevious, "
            "MergedWithNext, Contiguous");
}

std::vector<Piece> apply_behavior(const std::vector<Piece>& pieces, SplitBehavior behavior) {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const Piece& p : pieces) {
        if (!p.is_match) out.push_back(p);
      }
      break;
    case SplitBehavior::kIsolated:
      out = pieces;
      break;
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (const Piece& p : pieces) {
        if (p.is_match && !previous_match && !out.empty()) {
          out.back().end = p.end;
        } else {
          out.push_back(p);
        }
        previous_match = p.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous_match = false;
      for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) {
          out.back().start = it->start;
        } else {
          out.push_back(*it);
        }
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
    }
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      for (const Piece& p : pieces) {
        if (p.is_match == previous_match && !out.empty()) {
          out.back().end = p.end;
        } else {
          out.push_back(p);
        }
        previous_match = p.is_match;
      }
      break;
    }
  }
  std::vector<Piece> kept;
  kept.reserve(out.size());
  for (const Piece& p : out) {
    if (p.end > p.start) kept.push_back(p);
  }
  return kept;
}

void split_normalized(const NormalizedString& s, const Pattern& pattern, SplitBehavior behavior,
                      bool invert, std::vector<NormalizedString>& out) {
  for (const Piece& p : apply_behavior(pattern.find_matches(s.get(), invert), behavior)) {
    out.push_back(s.slice(p.start, p.end));
  }
}

}  // namespace attnscope::tokenizer
