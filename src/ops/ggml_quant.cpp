#include "ops/ggml_quant.h"

#include <array>
#include <cstring>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"

namespace attnscope {
namespace {

constexpr int64_t kQK = 32;     // values per block of the 32-wide types
constexpr int64_t kQK_K = 256;  // values per K-quant super-block

constexpr std::array<GgmlTypeTraits, 32> kTraits = {{
    {GgmlType::kF32, "F32", 1, 4, true},
    {GgmlType::kF16, "F16", 1, 2, true},
    {GgmlType::kQ4_0, "Q4_0", kQK, 18, true},
    {GgmlType::kQ4_1, "Q4_1", kQK, 20, true},
    {GgmlType::kQ5_0, "Q5_0", kQK, 22, true},
    {GgmlType::kQ5_1, "Q5_1", kQK, 24, true},
    {GgmlType::kQ8_0, "Q8_0", kQK, 34, true},
    {GgmlType::kQ8_1, "Q8_1", kQK, 36, false},
    {GgmlType::kQ2_K, "Q2_K", kQK_K, 84, false},
    {GgmlType::kQ3_K, "Q3_K", kQK_K, 110, false},
    {GgmlType::kQ4_K, "Q4_K", kQK_K, 144, true},
    {GgmlType::kQ5_K, "Q5_K", kQK_K, 176, true},
    {GgmlType::kQ6_K, "Q6_K", kQK_K, 210, true},
    {GgmlType::kQ8_K, "Q8_K", kQK_K, 292, false},
    {GgmlType::kIQ2_XXS, "IQ2_XXS", kQK_K, 66, false},
    {GgmlType::kIQ2_XS, "IQ2_XS", kQK_K, 74, false},
    {GgmlType::kIQ3_XXS, "IQ3_XXS", kQK_K, 98, false},
    {GgmlType::kIQ1_S, "IQ1_S", kQK_K, 50, false},
    {GgmlType::kIQ4_NL, "IQ4_NL", kQK, 18, false},
    {GgmlType::kIQ3_S, "IQ3_S", kQK_K, 110, false},
    {GgmlType::kIQ2_S, "IQ2_S", kQK_K, 82, false},
    {GgmlType::kIQ4_XS, "IQ4_XS", kQK_K, 136, false},
    {GgmlType::kI8, "I8", 1, 1, false},
    {GgmlType::kI16, "I16", 1, 2, false},
    {GgmlType::kI32, "I32", 1, 4, false},
    {GgmlType::kI64, "I64", 1, 8, false},
    {GgmlType::kF64, "F64", 1, 8, false},
    {GgmlType::kIQ1_M, "IQ1_M", kQK_K, 56, false},
    {GgmlType::kBF16, "BF16", 1, 2, true},
    {GgmlType::kTQ1_0, "TQ1_0", kQK_K, 54, false},
    {GgmlType::kTQ2_0, "TQ2_0", kQK_K, 66, false},
    {GgmlType::kMXFP4, "MXFP4", kQK, 17, false},
}};

inline uint8_t u8(const std::byte* p) { return static_cast<uint8_t>(*p); }

// Every f16 bit pattern as f32 (ggml keeps the same table): a load instead of a conversion.
const float* f16_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    for (uint32_t h = 0; h < 65536; ++h) t[h] = f16_to_f32(static_cast<uint16_t>(h));
    return t;
  }();
  return table.data();
}

inline float half(const float* table, const std::byte* p) {
  return table[u8(p) | (u8(p + 1) << 8)];
}
inline float half(const std::byte* p) { return half(f16_table(), p); }

// K-quant 6-bit scale and min of sub-block j from the 12 packed bytes (ggml's get_scale_min_k4).
inline void scale_min_k4(int j, const std::byte* q, uint8_t* d, uint8_t* m) {
  if (j < 4) {
    *d = u8(q + j) & 63;
    *m = u8(q + j + 4) & 63;
  } else {
    *d = static_cast<uint8_t>((u8(q + j + 4) & 0xF) | ((u8(q + j - 4) >> 6) << 4));
    *m = static_cast<uint8_t>((u8(q + j + 4) >> 4) | ((u8(q + j) >> 6) << 4));
  }
}

}  // namespace

const GgmlTypeTraits* ggml_type_traits(uint32_t type) {
  for (const auto& t : kTraits) {
    if (static_cast<uint32_t>(t.type) == type) return &t;
  }
  return nullptr;
}

const GgmlTypeTraits& ggml_type_traits(GgmlType type) {
  return *ggml_type_traits(static_cast<uint32_t>(type));
}

std::string_view ggml_type_name(GgmlType type) { return ggml_type_traits(type).name; }

std::string ggml_type_label(uint32_t type) {
  const GgmlTypeTraits* t = ggml_type_traits(type);
  return t != nullptr ? std::string(t->name) : "type " + std::to_string(type);
}

void dequantize_row_f32(const std::byte* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void dequantize_row_f16(const std::byte* src, float* dst, int64_t n) {
  const float* table = f16_table();
  for (int64_t i = 0; i < n; ++i) dst[i] = half(table, src + 2 * i);
}

void dequantize_row_bf16(const std::byte* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = static_cast<uint32_t>(u8(src + 2 * i) | (u8(src + 2 * i + 1) << 8)) << 16;
    std::memcpy(dst + i, &bits, sizeof(float));
  }
}

// block_q4_0: f16 d; u8 qs[16]. Low nibbles are values 0..15, high nibbles 16..31.
void dequantize_row_q4_0(const std::byte* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, src += 18, dst += kQK) {
    const float d = half(src);
    const std::byte* qs = src + 2;
    for (int j = 0; j < 16; ++j) {
      const int x0 = (u8(qs + j) & 0x0F) - 8;
      const int x1 = (u8(qs + j) >> 4) - 8;
      dst[j] = static_cast<float>(x0) * d;
      dst[j + 16] = static_cast<float>(x1) * d;
    }
  }
}

// block_q4_1: f16 d, m; u8 qs[16].
void dequantize_row_q4_1(const std::byte* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, src += 20, dst += kQK) {
    const float d = half(src);
    const float m = half(src + 2);
    const std::byte* qs = src + 4;
    for (int j = 0; j < 16; ++j) {
      const int x0 = u8(qs + j) & 0x0F;
      const int x1 = u8(qs + j) >> 4;
      dst[j] = static_cast<float>(x0) * d + m;
      dst[j + 16] = static_cast<float>(x1) * d + m;
    }
  }
}

namespace {
inline uint32_t u32(const std::byte* p) {
  return static_cast<uint32_t>(u8(p)) | static_cast<uint32_t>(u8(p + 1)) << 8 |
         static_cast<uint32_t>(u8(p + 2)) << 16 | static_cast<uint32_t>(u8(p + 3)) << 24;
}
}  // namespace

// block_q5_0: f16 d; u8 qh[4] (fifth bits, little-endian u32); u8 qs[16].
void dequantize_row_q5_0(const std::byte* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, src += 22, dst += kQK) {
    const float d = half(src);
    const uint32_t qh = u32(src + 2);
    const std::byte* qs = src + 6;
    for (int j = 0; j < 16; ++j) {
      const uint8_t xh0 = static_cast<uint8_t>(((qh >> j) << 4) & 0x10);
      const uint8_t xh1 = static_cast<uint8_t>((qh >> (j + 12)) & 0x10);
      const int x0 = ((u8(qs + j) & 0x0F) | xh0) - 16;
      const int x1 = ((u8(qs + j) >> 4) | xh1) - 16;
      dst[j] = static_cast<float>(x0) * d;
      dst[j + 16] = static_cast<float>(x1) * d;
    }
  }
}

// block_q5_1: f16 d, m; u8 qh[4]; u8 qs[16].
void dequantize_row_q5_1(const std::byte* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, src += 24, dst += kQK) {
    const float d = half(src);
    const float m = half(src + 2);
    const uint32_t qh = u32(src + 4);
    const std::byte* qs = src + 8;
    for (int j = 0; j < 16; ++j) {
      const uint8_t xh0 = static_cast<uint8_t>(((qh >> j) << 4) & 0x10);
      const uint8_t xh1 = static_cast<uint8_t>((qh >> (j + 12)) & 0x10);
      const int x0 = (u8(qs + j) & 0x0F) | xh0;
      const int x1 = (u8(qs + j) >> 4) | xh1;
      dst[j] = static_cast<float>(x0) * d + m;
      dst[j + 16] = static_cast<float>(x1) * d + m;
    }
  }
}

// block_q8_0: f16 d; i8 qs[32].
void dequantize_row_q8_0(const std::byte* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, src += 34, dst += kQK) {
    const float d = half(src);
    for (int j = 0; j < 32; ++j) {
      dst[j] = static_cast<float>(static_cast<int8_t>(u8(src + 2 + j))) * d;
    }
  }
}

// block_q4_K: f16 d, dmin; u8 scales[12] (8 six-bit scales and mins); u8 qs[128]. Each 64
// values: 32 low nibbles with (scale, min) 2i, then the same 32 bytes' high nibbles with 2i+1.
void dequantize_row_q4_K(const std::byte* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQK_K; ++b, src += 144) {
    const float d = half(src);
    const float min = half(src + 2);
    const std::byte* scales = src + 4;
    const std::byte* q = src + 16;
    int is = 0;
    for (int j = 0; j < kQK_K; j += 64) {
      uint8_t sc;
      uint8_t m;
      scale_min_k4(is + 0, scales, &sc, &m);
      const float d1 = d * static_cast<float>(sc);
      const float m1 = min * static_cast<float>(m);
      scale_min_k4(is + 1, scales, &sc, &m);
      const float d2 = d * static_cast<float>(sc);
      const float m2 = min * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) *dst++ = d1 * static_cast<float>(u8(q + l) & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *dst++ = d2 * static_cast<float>(u8(q + l) >> 4) - m2;
      q += 32;
      is += 2;
    }
  }
}

// block_q5_K: f16 d, dmin; u8 scales[12]; u8 qh[32] (fifth bits); u8 qs[128].
void dequantize_row_q5_K(const std::byte* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQK_K; ++b, src += 176) {
    const float d = half(src);
    const float min = half(src + 2);
    const std::byte* scales = src + 4;
    const std::byte* qh = src + 16;
    const std::byte* ql = src + 48;
    int is = 0;
    unsigned u1 = 1;
    unsigned u2 = 2;
    for (int j = 0; j < kQK_K; j += 64) {
      uint8_t sc;
      uint8_t m;
      scale_min_k4(is + 0, scales, &sc, &m);
      const float d1 = d * static_cast<float>(sc);
      const float m1 = min * static_cast<float>(m);
      scale_min_k4(is + 1, scales, &sc, &m);
      const float d2 = d * static_cast<float>(sc);
      const float m2 = min * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) {
        const int v = (u8(ql + l) & 0xF) + ((u8(qh + l) & u1) != 0 ? 16 : 0);
        *dst++ = d1 * static_cast<float>(v) - m1;
      }
      for (int l = 0; l < 32; ++l) {
        const int v = (u8(ql + l) >> 4) + ((u8(qh + l) & u2) != 0 ? 16 : 0);
        *dst++ = d2 * static_cast<float>(v) - m2;
      }
      ql += 32;
      is += 2;
      u1 <<= 2;
      u2 <<= 2;
    }
  }
}

// block_q6_K: u8 ql[128] (low 4 bits); u8 qh[64] (high 2 bits); i8 scales[16]; f16 d.
// ggml computes d * scale * q left to right; d * scale is hoisted (the same float product).
void dequantize_row_q6_K(const std::byte* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQK_K; ++b, src += 210) {
    const float d = half(src + 208);
    const std::byte* ql = src;
    const std::byte* qh = src + 128;
    float ds[16];
    for (int i = 0; i < 16; ++i) {
      ds[i] = d * static_cast<float>(static_cast<int8_t>(u8(src + 192 + i)));
    }
    for (int half_block = 0; half_block < 2; ++half_block) {
      const float* sc = ds + 8 * half_block;
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int h = u8(qh + l);
        const int lo = u8(ql + l);
        const int hi = u8(ql + l + 32);
        const int q1 = ((lo & 0xF) | (((h >> 0) & 3) << 4)) - 32;
        const int q2 = ((hi & 0xF) | (((h >> 2) & 3) << 4)) - 32;
        const int q3 = ((lo >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const int q4 = ((hi >> 4) | (((h >> 6) & 3) << 4)) - 32;
        dst[l + 0] = sc[is + 0] * static_cast<float>(q1);
        dst[l + 32] = sc[is + 2] * static_cast<float>(q2);
        dst[l + 64] = sc[is + 4] * static_cast<float>(q3);
        dst[l + 96] = sc[is + 6] * static_cast<float>(q4);
      }
      dst += 128;
      ql += 64;
      qh += 32;
    }
  }
}

void dequantize_row(GgmlType type, const std::byte* src, float* dst, int64_t n) {
  const GgmlTypeTraits& t = ggml_type_traits(type);
  if (n < 0 || n % t.block_size != 0) {
    throw InputError("dequantize_row: " + std::to_string(n) + " values of " + std::string(t.name) +
                     " are not whole blocks of " + std::to_string(t.block_size));
  }
  switch (type) {
    case GgmlType::kF32:
      return dequantize_row_f32(src, dst, n);
    case GgmlType::kF16:
      return dequantize_row_f16(src, dst, n);
    case GgmlType::kBF16:
      return dequantize_row_bf16(src, dst, n);
    case GgmlType::kQ4_0:
      return dequantize_row_q4_0(src, dst, n);
    case GgmlType::kQ4_1:
      return dequantize_row_q4_1(src, dst, n);
    case GgmlType::kQ5_0:
      return dequantize_row_q5_0(src, dst, n);
    case GgmlType::kQ5_1:
      return dequantize_row_q5_1(src, dst, n);
    case GgmlType::kQ8_0:
      return dequantize_row_q8_0(src, dst, n);
    case GgmlType::kQ4_K:
      return dequantize_row_q4_K(src, dst, n);
    case GgmlType::kQ5_K:
      return dequantize_row_q5_K(src, dst, n);
    case GgmlType::kQ6_K:
      return dequantize_row_q6_K(src, dst, n);
    default:
      break;
  }
  throw UnsupportedError("ggml type " + std::string(t.name) + " cannot be dequantized yet");
}

void dequantize_row_range(GgmlType type, const std::byte* row, int64_t k_begin, int64_t k_count,
                          float* dst) {
  const GgmlTypeTraits& t = ggml_type_traits(type);
  if (k_begin < 0 || k_begin % t.block_size != 0) {
    throw InputError("dequantize_row_range: start " + std::to_string(k_begin) + " of " +
                     std::string(t.name) + " is not on a block boundary of " +
                     std::to_string(t.block_size));
  }
  dequantize_row(type, row + k_begin / t.block_size * t.type_size, dst, k_count);
}

}  // namespace attnscope
