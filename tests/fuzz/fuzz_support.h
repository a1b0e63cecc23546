// What every harness shares: the input as a file (the parsers read paths; a memfd keeps it off
// the disk) and the rule that attnscope::Error is the only exception a hostile input may raise —
// anything else (a library exception, std::out_of_range, bad_alloc) escapes and libFuzzer
// reports it as a crash, like a sanitizer finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace attnscope::fuzz {

// A path whose content is `data` (one memfd per process, rewritten each call).
std::string as_file(const uint8_t* data, size_t size);
// A folder (one per process) holding `name` with `data`; returns the folder.
std::string folder_with(const std::string& name, const uint8_t* data, size_t size);

}  // namespace attnscope::fuzz

// Runs `body`; an attnscope::Error is an expected refusal, anything else propagates.
#define ATTNSCOPE_FUZZ_EXPECT_ERRORS_ONLY(body) \
  do {                                          \
    try {                                       \
      body;                                     \
    } catch (const ::attnscope::Error&) {       \
    }                                           \
  } while (0)
