#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/regex.h"

#include <pcre2.h>

#include "core/error.h"
#include "core/quote.h"
#include "tokenizer/unicode.h"

namespace attnscope::tokenizer {

namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof(buffer));
  return reinterpret_cast<const char*>(buffer);
}

// JIT stacks may not be shared by concurrent matches: one per thread, grown up to 8 MiB.
pcre2_jit_stack* thread_jit_stack() {
  struct Holder {
    pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    ~Holder() {
      if (stack != nullptr) pcre2_jit_stack_free(stack);
    }
  };
  thread_local Holder holder;
  return holder.stack;
}

}  // namespace

struct Regex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() {
    if (code != nullptr) pcre2_code_free(code);
  }
};

Regex::Regex(std::string_view pattern, std::string where)
    : pattern_(pattern), where_(std::move(where)), code_(std::make_unique<Code>()) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  code_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern_.data()), pattern_.size(),
                              PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (code_->code == nullptr) {
    throw FormatError(where_, "regex " + quote(pattern_) +
                                  " does not compile: " + pcre2_message(error_code) +
                                  " at pattern offset " + std::to_string(error_offset));
  }
  code_->jit = pcre2_jit_compile(code_->code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() = default;

void Regex::for_each_match(std::string_view subject,
                           const std::function<void(size_t, size_t)>& on_match) const {
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(context, kMatchLimit);
  pcre2_set_depth_limit(context, kDepthLimit);
  if (code_->jit) pcre2_jit_stack_assign(context, nullptr, thread_jit_stack());
  struct Cleanup {
    pcre2_match_data* data;
    pcre2_match_context* context;
    ~Cleanup() {
      pcre2_match_data_free(data);
      pcre2_match_context_free(context);
    }
  } cleanup{data, context};

  const auto* bytes = reinterpret_cast<PCRE2_SPTR>(subject.data());
  size_t pos = 0;
  while (pos <= subject.size()) {
    const int rc =
        pcre2_match(code_->code, bytes, subject.size(), pos, PCRE2_NO_UTF_CHECK, data, context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      const bool limit = rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
                         rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
      const std::string what = "regex /" + pattern_ + "/ (" + where_ + ") failed at byte " +
                               std::to_string(pos) + " of a " + std::to_string(subject.size()) +
                               "-byte piece: " + pcre2_message(rc);
      if (limit) throw LimitError(what);
      throw InputError(what);
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    const size_t start = ovector[0];
    const size_t end = ovector[1];
    on_match(start, end);
    if (end > start) {
      pos = end;
    } else if (start < subject.size()) {
      // An empty match: continue one character further on.
      pos = start + unicode::utf8_length(static_cast<unsigned char>(subject[start]));
    } else {
      break;
    }
  }
}

}  // namespace attnscope::tokenizer
