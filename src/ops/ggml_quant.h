// ggml tensor types (the element types of GGUF files) and their dequantization to f32, written
// from the block layouts of ggml's reference `dequantize_row_*` (ggml-quants.c) and evaluated in
// the same order, so results are bit-identical to ggml's reference path. Blocks are read
// byte-wise (little-endian), so `src` needs no alignment.
//
//   const GgmlTypeTraits* t = ggml_type_traits(14);          // Q6_K: 256 values in 210 bytes
//   std::vector<float> row(4096);
//   dequantize_row(GgmlType::kQ6_K, row_bytes, row.data(), 4096);  // 4096 % 256 == 0
//
// A GEMM packer can call dequantize_row on a run of whole blocks (e.g. one 256-value K-block of
// one row) while packing, so weights stay in memory at their file size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace attnscope {

// ggml's `enum ggml_type` numbering (the GGUF tensor-info type field). Numbers ggml retired
// (4, 5, 31-33, 36-38) are not types.
enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

struct GgmlTypeTraits {
  GgmlType type;
  std::string_view name;  // ggml's spelling: "F32", "Q4_K", ...
  int64_t block_size;     // values per block
  int64_t type_size;      // bytes per block
  bool dequantizable;     // dequantize_row supports it
};

// nullptr for a number that is not a ggml type.
const GgmlTypeTraits* ggml_type_traits(uint32_t type);
const GgmlTypeTraits& ggml_type_traits(GgmlType type);
std::string_view ggml_type_name(GgmlType type);
// "Q4_K", or "type 77" for an unknown number.
std::string ggml_type_label(uint32_t type);

// Dequantizes `n` values (a multiple of the type's block size) from `src` (n / block_size *
// type_size bytes) into `dst`. UnsupportedError naming the type when it is not dequantizable;
// InputError when n is not a whole number of blocks.
void dequantize_row(GgmlType type, const std::byte* src, float* dst, int64_t n);

// Values [k_begin, k_begin + k_count) of one row starting at `row` (both multiples of the block
// size): what a GEMM packer calls for the K-slice it packs. InputError when not on block bounds.
void dequantize_row_range(GgmlType type, const std::byte* row, int64_t k_begin, int64_t k_count,
                          float* dst);

// The per-type reference functions (n a multiple of the block size; no checks).
void dequantize_row_f32(const std::byte* src, float* dst, int64_t n);
void dequantize_row_f16(const std::byte* src, float* dst, int64_t n);
void dequantize_row_bf16(const std::byte* src, float* dst, int64_t n);
void dequantize_row_q4_0(const std::byte* src, float* dst, int64_t n);
void dequantize_row_q4_1(const std::byte* src, float* dst, int64_t n);
void dequantize_row_q5_0(const std::byte* src, float* dst, int64_t n);
void dequantize_row_q5_1(const std::byte* src, float* dst, int64_t n);
void dequantize_row_q8_0(const std::byte* src, float* dst, int64_t n);
void dequantize_row_q4_K(const std::byte* src, float* dst, int64_t n);
void dequantize_row_q5_K(const std::byte* src, float* dst, int64_t n);
void dequantize_row_q6_K(const std::byte* src, float* dst, int64_t n);

}  // namespace attnscope
