// PCRE2 regular expressions for the pre-tokenizers, normalizers and decoders that take a
// {"Regex": ...} pattern. Patterns compile once (UTF + UCP, JIT when available) and are then
// shared read-only between threads. Every match runs under match and depth limits, so a
// catastrophic pattern fails with a LimitError instead of hanging.
//
//   Regex re(R"(\s+)", "pre_tokenizer.pattern.Regex");
//   re.for_each_match(text, [](size_t start, size_t end) { ... });
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace attnscope::tokenizer {

class Regex {
 public:
  // Compiles `pattern`; `where` names it in errors (a JSON path). Throws FormatError when the
  // pattern is not valid PCRE2 syntax.
  Regex(std::string_view pattern, std::string where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Calls on_match(start, end) (byte offsets) for each non-overlapping match of valid UTF-8
  // `subject`, left to right. After an empty match the search moves on by one character.
  // Throws LimitError when the match or depth limit is hit.
  void for_each_match(std::string_view subject,
                      const std::function<void(size_t, size_t)>& on_match) const;

  const std::string& pattern() const { return pattern_; }

  // Limits applied to each pcre2_match call (public for tests and documentation).
  static constexpr uint32_t kMatchLimit = 10'000'000;
  static constexpr uint32_t kDepthLimit = 100'000;

 private:
  struct Code;
  std::string pattern_;
  std::string where_;
  std::unique_ptr<Code> code_;
};

}  // namespace attnscope::tokenizer
