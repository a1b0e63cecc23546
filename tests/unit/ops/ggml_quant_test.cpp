// Dequantization of each ggml block type from hand-built blocks: known scales and known quants
// packed by the format's definition (written here independently of the implementation's bit
// tricks), then dequantize_row must give exactly scale * quant (- min).
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "ops/ggml_quant.h"

namespace attnscope {
namespace {

using Bytes = std::vector<std::byte>;

void put16(Bytes& b, uint16_t v) {
  b.push_back(std::byte(v & 0xff));
  b.push_back(std::byte(v >> 8));
}
void put8(Bytes& b, int v) { b.push_back(std::byte(static_cast<uint8_t>(v))); }

std::vector<float> run(GgmlType type, const Bytes& block, int64_t n) {
  EXPECT_EQ(static_cast<int64_t>(block.size()),
            n / ggml_type_traits(type).block_size * ggml_type_traits(type).type_size);
  std::vector<float> out(static_cast<size_t>(n));
  dequantize_row(type, block.data(), out.data(), n);
  return out;
}

constexpr uint16_t kHalf = 0x3800;    // 0.5
constexpr uint16_t kOne = 0x3C00;     // 1.0
constexpr uint16_t kMinus1 = 0xBC00;  // -1.0
constexpr uint16_t kQuarter = 0x3400;

TEST(GgmlQuant, TypeTable) {
  EXPECT_EQ(ggml_type_traits(14)->name, "Q6_K");
  EXPECT_EQ(ggml_type_traits(14)->type_size, 210);
  EXPECT_EQ(ggml_type_traits(12)->type_size, 144);
  EXPECT_EQ(ggml_type_traits(13)->type_size, 176);
  EXPECT_EQ(ggml_type_traits(8)->type_size, 34);
  EXPECT_EQ(ggml_type_traits(30)->name, "BF16");
  EXPECT_EQ(ggml_type_traits(4), nullptr);
  EXPECT_EQ(ggml_type_traits(40), nullptr);
  EXPECT_EQ(ggml_type_label(77), "type 77");
}

TEST(GgmlQuant, F16AndBF16) {
  Bytes b;
  for (uint16_t v : {kOne, uint16_t{0xC000}, uint16_t{0x0001}, uint16_t{0x7C00}}) put16(b, v);
  const auto y = run(GgmlType::kF16, b, 4);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], -2.0f);
  EXPECT_EQ(y[2], std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isinf(y[3]));
  Bytes c;
  for (uint16_t v : {uint16_t{0x3F80}, uint16_t{0xC040}, uint16_t{0x3E20}}) put16(c, v);
  EXPECT_EQ(run(GgmlType::kBF16, c, 3), (std::vector<float>{1.0f, -3.0f, 0.15625f}));
}

TEST(GgmlQuant, Q8_0) {
  Bytes b;
  put16(b, kQuarter);
  for (int j = 0; j < 32; ++j) put8(b, j - 16);
  const auto y = run(GgmlType::kQ8_0, b, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 0.25f * static_cast<float>(j - 16)) << j;
}

TEST(GgmlQuant, Q4_0AndQ4_1) {
  // Value j (< 16) is the low nibble of byte j, value j + 16 its high nibble.
  Bytes b;
  put16(b, kHalf);
  for (int j = 0; j < 16; ++j) put8(b, j | ((15 - j) << 4));
  const auto y = run(GgmlType::kQ4_0, b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * static_cast<float>(j - 8));
    EXPECT_EQ(y[j + 16], 0.5f * static_cast<float>(7 - j));
  }
  Bytes c;
  put16(c, kHalf);
  put16(c, kMinus1);
  for (int j = 0; j < 16; ++j) put8(c, j | ((15 - j) << 4));
  const auto z = run(GgmlType::kQ4_1, c, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(z[j], 0.5f * static_cast<float>(j) - 1.0f);
    EXPECT_EQ(z[j + 16], 0.5f * static_cast<float>(15 - j) - 1.0f);
  }
}

// 5-bit quants q[32]: low 4 bits in nibbles as Q4, bit 4 of value i is bit i of the u32 qh.
Bytes pack_q5(const std::array<int, 32>& q) {
  uint32_t qh = 0;
  Bytes qs(16);
  for (int i = 0; i < 32; ++i) {
    if (q[i] & 16) qh |= 1u << i;
    const int nib = q[i] & 15;
    qs[i % 16] |= std::byte(i < 16 ? nib : nib << 4);
  }
  Bytes out;
  for (int k = 0; k < 4; ++k) put8(out, static_cast<int>((qh >> (8 * k)) & 0xff));
  out.insert(out.end(), qs.begin(), qs.end());
  return out;
}

TEST(GgmlQuant, Q5_0AndQ5_1) {
  std::mt19937 rng(5);
  std::array<int, 32> q{};
  for (int& v : q) v = static_cast<int>(rng() % 32);
  q[0] = 0;
  q[31] = 31;
  const Bytes packed = pack_q5(q);
  Bytes b;
  put16(b, kHalf);
  b.insert(b.end(), packed.begin(), packed.end());
  const auto y = run(GgmlType::kQ5_0, b, 32);
  Bytes c;
  put16(c, kHalf);
  put16(c, kMinus1);
  c.insert(c.end(), packed.begin(), packed.end());
  const auto z = run(GgmlType::kQ5_1, c, 32);
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(y[i], 0.5f * static_cast<float>(q[i] - 16)) << i;
    EXPECT_EQ(z[i], 0.5f * static_cast<float>(q[i]) - 1.0f) << i;
  }
}

// The 12 bytes of 8 six-bit scales and mins (ggml's quantize_row_q4_K packing).
Bytes pack_scales(const std::array<int, 8>& sc, const std::array<int, 8>& mn) {
  std::array<int, 12> s{};
  for (int j = 0; j < 4; ++j) {
    s[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
    s[j + 4] = mn[j] | ((mn[j + 4] >> 4) << 6);
    s[j + 8] = (sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4);
  }
  Bytes out;
  for (int v : s) put8(out, v);
  return out;
}

TEST(GgmlQuant, Q4_KAndQ5_K) {
  std::mt19937 rng(7);
  std::array<int, 8> sc{};
  std::array<int, 8> mn{};
  for (int s = 0; s < 8; ++s) {
    sc[s] = static_cast<int>(rng() % 64);
    mn[s] = static_cast<int>(rng() % 64);
  }
  sc[7] = 63;  // the high bits of the packed scales matter
  mn[5] = 48;
  std::array<int, 256> q{};
  for (int& v : q) v = static_cast<int>(rng() % 32);
  // Sub-block s (values 32s..32s+31): pair k = s/2 uses bytes 32k..32k+31, low nibbles for even
  // s, high nibbles for odd s; Q5_K's fifth bit of value 32s + l is bit s of qh[l].
  Bytes qs(128);
  Bytes qh(32);
  for (int v = 0; v < 256; ++v) {
    const int s = v / 32;
    const int l = v % 32;
    const int nib = q[v] & 15;
    qs[32 * (s / 2) + l] |= std::byte(s % 2 == 0 ? nib : nib << 4);
    if (q[v] & 16) qh[l] |= std::byte(1 << s);
  }
  const Bytes scales = pack_scales(sc, mn);
  Bytes k4;
  put16(k4, kOne);
  put16(k4, kHalf);
  k4.insert(k4.end(), scales.begin(), scales.end());
  k4.insert(k4.end(), qs.begin(), qs.end());
  Bytes k5;
  put16(k5, kOne);
  put16(k5, kHalf);
  k5.insert(k5.end(), scales.begin(), scales.end());
  k5.insert(k5.end(), qh.begin(), qh.end());
  k5.insert(k5.end(), qs.begin(), qs.end());
  const auto y4 = run(GgmlType::kQ4_K, k4, 256);
  const auto y5 = run(GgmlType::kQ5_K, k5, 256);
  for (int v = 0; v < 256; ++v) {
    const int s = v / 32;
    EXPECT_EQ(y4[v], static_cast<float>(sc[s] * (q[v] & 15)) - 0.5f * static_cast<float>(mn[s]))
        << v;
    EXPECT_EQ(y5[v], static_cast<float>(sc[s] * q[v]) - 0.5f * static_cast<float>(mn[s])) << v;
  }
}

TEST(GgmlQuant, Q6_K) {
  std::mt19937 rng(9);
  std::array<int, 256> q{};  // 0..63, value = d * scale[v / 16] * (q - 32)
  for (int& v : q) v = static_cast<int>(rng() % 64);
  std::array<int, 16> sc{};
  for (int& s : sc) s = static_cast<int>(rng() % 256) - 128;
  // Half h (values 128h..): value 128h + 32k + l takes ql byte 64h + l (+32 for k odd), low
  // nibble for k < 2, high for k >= 2; its two high bits are bits 2k..2k+1 of qh[32h + l].
  Bytes ql(128);
  Bytes qh(64);
  for (int v = 0; v < 256; ++v) {
    const int h = v / 128;
    const int k = (v % 128) / 32;
    const int l = v % 32;
    const int byte = 64 * h + l + (k % 2 == 1 ? 32 : 0);
    ql[byte] |= std::byte(k < 2 ? (q[v] & 15) : (q[v] & 15) << 4);
    qh[32 * h + l] |= std::byte((q[v] >> 4) << (2 * k));
  }
  Bytes b = ql;
  b.insert(b.end(), qh.begin(), qh.end());
  for (int s : sc) put8(b, s);
  put16(b, kQuarter);
  const auto y = run(GgmlType::kQ6_K, b, 256);
  for (int v = 0; v < 256; ++v) {
    EXPECT_EQ(y[v], 0.25f * static_cast<float>(sc[v / 16]) * static_cast<float>(q[v] - 32)) << v;
  }
}

TEST(GgmlQuant, RowRangeIsTheSliceOfTheWholeRow) {
  // 4 Q4_K super-blocks (1024 values) of random bytes with small f16 scales.
  std::mt19937 rng(11);
  Bytes row(4 * 144);
  for (auto& b : row) b = std::byte(rng() & 0xff);
  for (int blk = 0; blk < 4; ++blk) {
    row[blk * 144 + 1] = std::byte(0x3c);  // d, dmin in [1, 2)
    row[blk * 144 + 3] = std::byte(0x3c);
  }
  std::vector<float> whole(1024);
  dequantize_row(GgmlType::kQ4_K, row.data(), whole.data(), 1024);
  std::vector<float> part(512);
  dequantize_row_range(GgmlType::kQ4_K, row.data(), 256, 512, part.data());
  EXPECT_EQ(part, std::vector<float>(whole.begin() + 256, whole.begin() + 768));
  EXPECT_THROW(dequantize_row_range(GgmlType::kQ4_K, row.data(), 128, 256, part.data()),
               InputError);
}

TEST(GgmlQuant, Refusals) {
  std::vector<std::byte> block(84);
  std::vector<float> out(256);
  EXPECT_THROW(dequantize_row(GgmlType::kQ2_K, block.data(), out.data(), 256), UnsupportedError);
  EXPECT_THROW(dequantize_row(GgmlType::kQ4_0, block.data(), out.data(), 31), InputError);
}

}  // namespace
}  // namespace attnscope
