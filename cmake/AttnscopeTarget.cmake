# Compile settings shared by every attnscope target: warnings are errors in our code.
function(attnscope_target_settings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  # No fused multiply-adds the source does not ask for (intrinsics and std::fma still fuse): both
  # compilers then round every scalar expression as written, as PyTorch does (q·cos + r·sin is
  # two products and a sum), and the clang sanitizer build computes what the GCC release build
  # does. clang's default (-ffp-contract=on) moved a GGUF golden case from 9.95e-6 to 1.03e-5.
  target_compile_options(${target} PRIVATE -ffp-contract=off)
  if(ATTNSCOPE_ARCH)
    target_compile_options(${target} PRIVATE -march=${ATTNSCOPE_ARCH})
  endif()
  if(ATTNSCOPE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    # clang cannot vectorise the instrumented `#pragma omp simd` loops and says so; that is the
    # sanitizer build's price, not a fault of the code.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      target_compile_options(${target} PRIVATE -Wno-pass-failed)
    endif()
  endif()
endfunction()

# attnscope_library(NAME SOURCES... DEPS...) declares one layer: attnscope_<NAME>.
function(attnscope_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_SOURCES)  # a layer not written yet
    add_library(attnscope_${name} INTERFACE)
    target_include_directories(attnscope_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(attnscope_${name} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(attnscope_${name} STATIC ${ARG_SOURCES})
  target_include_directories(attnscope_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(attnscope_${name} PUBLIC ${ARG_DEPS})
  attnscope_target_settings(attnscope_${name})
  if(ATTNSCOPE_SANITIZE)
    target_link_options(attnscope_${name} INTERFACE -fsanitize=address,undefined)
  endif()
  # The libFuzzer harnesses (tests/fuzz) share this build: the layers that parse untrusted bytes
  # carry coverage instrumentation (a sanitizer runtime's no-op callbacks outside a fuzzer). The
  # numeric kernels of ops/ do not: they parse nothing, and tracing their loops would only slow
  # the tests and the fuzzers' forward passes.
  if(ATTNSCOPE_FUZZ AND NOT name STREQUAL "ops")
    target_compile_options(attnscope_${name} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# GCC 12 with the sanitizers at -O1 reports a false maybe-uninitialized inside libstdc++'s
# std::regex (a std::function in _State). Files that use <regex> name themselves here, so the
# warning stays on everywhere else.
function(attnscope_uses_regex)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set_source_files_properties(${ARGN} DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
      PROPERTIES COMPILE_OPTIONS -Wno-maybe-uninitialized)
  endif()
endfunction()

# Precompiled headers for the targets whose files all include the same heavy headers (the
# tests: GoogleTest and nlohmann/json; the CLI: CLI11). Parsing them was 40 % of a test file's
# compile time, and the tests were two thirds of a build. -DATTNSCOPE_PCH=OFF builds without
# them (e.g. to check that every file includes what it uses).
option(ATTNSCOPE_PCH "Precompile the heavy headers of the tests and the CLI" ON)
function(attnscope_precompile target)
  if(ATTNSCOPE_PCH)
    target_precompile_headers(${target} PRIVATE <string> <string_view> <vector> <map> <memory>
                              <optional> <filesystem> <functional> <sstream> <nlohmann/json.hpp>
                              ${ARGN})
  endif()
endfunction()
