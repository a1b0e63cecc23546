# Every third-party dependency, found once here. All come from Debian packages
# (scripts/install-deps installs them).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)

set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_path(CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas openblas-pthread REQUIRED)
add_library(attnscope_blas INTERFACE)
target_link_libraries(attnscope_blas INTERFACE ${BLAS_LIBRARIES})
target_include_directories(attnscope_blas INTERFACE ${CBLAS_INCLUDE_DIR})

pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
pkg_check_modules(MICROHTTPD REQUIRED IMPORTED_TARGET libmicrohttpd)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)  # SHA-256 of Hub downloads

if(ATTNSCOPE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(ATTNSCOPE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
