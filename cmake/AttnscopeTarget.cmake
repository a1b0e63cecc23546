# Compile settings shared by every attnscope target: warnings are errors in our code.
function(attnscope_target_settings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  if(ATTNSCOPE_ARCH)
    target_compile_options(${target} PRIVATE -march=${ATTNSCOPE_ARCH})
  endif()
  if(ATTNSCOPE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(ATTNSCOPE_FUZZ)  # clang: coverage for libFuzzer, ASan + UBSan (scripts/fuzz)
    # -Werror is for the GCC builds; clang warns about GCC-only pragmas in ops/.
    target_compile_options(${target} PRIVATE -Wno-error -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
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
  if(ATTNSCOPE_SANITIZE OR ATTNSCOPE_FUZZ)
    target_link_options(attnscope_${name} INTERFACE -fsanitize=address,undefined)
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
