// Golden blocks: each block is built byte by byte here from the format's definition (not from
// blocks.hpp), and its dequantized values are checked against values worked out by hand (the
// arithmetic is in the comments) and, for every weight, against the documented formula written
// out below independently of the library.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "memwall/quant/blocks.hpp"
#include "memwall/quant/reference.hpp"
#include "memwall/quant/types.hpp"

namespace memwall::quant {
namespace {

using T = TensorType;

template <std::size_t N>
std::vector<float> dequantize(T type, const std::array<std::uint8_t, N>& block) {
  EXPECT_EQ(N, type_info(type).bytes_per_block);
  std::vector<float> y(type_info(type).block_size);
  reference_fns(type)->dequantize_row(block.data(), y.data(), static_cast<std::int64_t>(y.size()));
  return y;
}

// A binary16 (or f32) field, little-endian.
void put_u16(std::uint8_t* at, std::uint16_t v) {
  at[0] = static_cast<std::uint8_t>(v & 0xff);
  at[1] = static_cast<std::uint8_t>(v >> 8);
}
constexpr std::uint16_t kHalf0_125 = 0x3000, kHalf0_25 = 0x3400, kHalf0_5 = 0x3800;
constexpr std::uint16_t kHalf1 = 0x3c00, kHalf2 = 0x4000, kHalfMinus1 = 0xbc00;

void expect_formula(const std::vector<float>& y, const std::function<float(int)>& formula) {
  for (int i = 0; i < static_cast<int>(y.size()); ++i)
    EXPECT_EQ(y[i], formula(i)) << "weight " << i;
}

TEST(GoldenBlock, Q4_0) {
  std::array<std::uint8_t, 18> b{};
  put_u16(&b[0], kHalf0_5);
  for (int j = 0; j < 16; ++j) b[2 + j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  const auto y = dequantize(T::Q4_0, b);
  EXPECT_EQ(y[0], -4.0f);   // (0 - 8) * 0.5
  EXPECT_EQ(y[15], 3.5f);   // (15 - 8) * 0.5
  EXPECT_EQ(y[16], 3.5f);   // high nibble of byte 0: 15
  EXPECT_EQ(y[31], -4.0f);  // high nibble of byte 15: 0
  expect_formula(y, [](int i) { return 0.5f * static_cast<float>((i < 16 ? i : 31 - i) - 8); });
}

TEST(GoldenBlock, Q4_1) {
  std::array<std::uint8_t, 20> b{};
  put_u16(&b[0], kHalf0_25);
  put_u16(&b[2], kHalfMinus1);
  for (int j = 0; j < 16; ++j) b[4 + j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  const auto y = dequantize(T::Q4_1, b);
  EXPECT_EQ(y[0], -1.0f);   // 0 * 0.25 - 1
  EXPECT_EQ(y[15], 2.75f);  // 15 * 0.25 - 1
  EXPECT_EQ(y[16], 2.75f);
  EXPECT_EQ(y[31], -1.0f);
  expect_formula(y, [](int i) { return static_cast<float>(i < 16 ? i : 31 - i) * 0.25f - 1.0f; });
}

TEST(GoldenBlock, Q5_0) {
  std::array<std::uint8_t, 22> b{};
  put_u16(&b[0], kHalf2);
  // qh = 0xAAAA5555: the fifth bit is set for the even weights 0..15 and the odd weights 16..31.
  b[2] = 0x55, b[3] = 0x55, b[4] = 0xaa, b[5] = 0xaa;
  for (int j = 0; j < 16; ++j) b[6 + j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  const auto y = dequantize(T::Q5_0, b);
  EXPECT_EQ(y[0], 0.0f);    // (0 + 16 - 16) * 2
  EXPECT_EQ(y[1], -30.0f);  // (1 - 16) * 2
  EXPECT_EQ(y[2], 4.0f);    // (2 + 16 - 16) * 2
  EXPECT_EQ(y[16], -2.0f);  // (15 - 16) * 2
  EXPECT_EQ(y[17], 28.0f);  // (14 + 16 - 16) * 2
  expect_formula(y, [](int i) {
    const int low = i < 16 ? i : 31 - i;
    const bool fifth = i < 16 ? i % 2 == 0 : i % 2 == 1;
    return static_cast<float>(low + (fifth ? 16 : 0) - 16) * 2.0f;
  });
}

TEST(GoldenBlock, Q5_1) {
  std::array<std::uint8_t, 24> b{};
  put_u16(&b[0], kHalf0_5);
  put_u16(&b[2], kHalf0_25);
  b[4] = 0x00, b[5] = 0x00, b[6] = 0xff, b[7] = 0xff;  // fifth bit on weights 16..31 only
  for (int j = 0; j < 16; ++j) b[8 + j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  const auto y = dequantize(T::Q5_1, b);
  EXPECT_EQ(y[0], 0.25f);    // 0 * 0.5 + 0.25
  EXPECT_EQ(y[15], 7.75f);   // 15 * 0.5 + 0.25
  EXPECT_EQ(y[16], 15.75f);  // (15 + 16) * 0.5 + 0.25
  EXPECT_EQ(y[31], 8.25f);   // (0 + 16) * 0.5 + 0.25
  expect_formula(y,
                 [](int i) { return static_cast<float>(i < 16 ? i : 31 - i + 16) * 0.5f + 0.25f; });
}

TEST(GoldenBlock, Q8_0AndQ8_1) {
  std::array<std::uint8_t, 34> b0{};
  std::array<std::uint8_t, 36> b1{};
  put_u16(&b0[0], kHalf0_125);
  put_u16(&b1[0], kHalf0_125);
  put_u16(&b1[2], kHalf1);  // s: not used by dequantization
  for (int j = 0; j < 32; ++j) {
    b0[2 + j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(8 * j - 128));
    b1[4 + j] = b0[2 + j];
  }
  for (const auto& y : {dequantize(T::Q8_0, b0), dequantize(T::Q8_1, b1)}) {
    EXPECT_EQ(y[0], -16.0f);  // -128 * 0.125
    EXPECT_EQ(y[31], 15.0f);  // 120 * 0.125
    expect_formula(y, [](int i) { return static_cast<float>(8 * i - 128) * 0.125f; });
  }
}

// Q2_K and Q3_K: the 2-bit field of weight i is in byte 32 * (i / 128) + i % 32 of qs, at bit
// 2 * ((i % 128) / 32). With every qs byte 0b11100100, that field is (i % 128) / 32.
constexpr std::uint8_t kFieldIsQuarter = 0xe4;
int quarter(int i) { return (i % 128) / 32; }

TEST(GoldenBlock, Q2_K) {
  std::array<std::uint8_t, 84> b{};
  for (int s = 0; s < 16; ++s)
    b[s] = static_cast<std::uint8_t>(s | ((15 - s) << 4));  // scale s, min 15 - s
  for (int k = 0; k < 64; ++k) b[16 + k] = kFieldIsQuarter;
  put_u16(&b[80], kHalf1);    // d
  put_u16(&b[82], kHalf0_5);  // dmin
  const auto y = dequantize(T::Q2_K, b);
  EXPECT_EQ(y[0], -7.5f);    // sub-block 0: 1 * 0 * 0 - 0.5 * 15
  EXPECT_EQ(y[40], -4.5f);   // sub-block 2, quarter 1: 1 * 2 * 1 - 0.5 * 13
  EXPECT_EQ(y[130], -3.5f);  // sub-block 8, quarter 0: 0 - 0.5 * 7
  EXPECT_EQ(y[255], 45.0f);  // sub-block 15, quarter 3: 1 * 15 * 3 - 0
  expect_formula(y, [](int i) {
    const int s = i / 16;
    return (1.0f * static_cast<float>(s)) * static_cast<float>(quarter(i)) -
           0.5f * static_cast<float>(15 - s);
  });
}

TEST(GoldenBlock, Q3_K) {
  std::array<std::uint8_t, 110> b{};
  for (int j = 0; j < 32; ++j) b[j] = 0xf0;  // hmask: high bit set for weights 128..255
  for (int k = 0; k < 64; ++k) b[32 + k] = kFieldIsQuarter;
  // Sub-block s has scale s - 8, stored as s + 24 in 6 bits: the low 4 bits in byte s % 8 of
  // scales (low nibble for s < 8), the high 2 bits in byte 8 + s % 4 at bit 2 * (s / 4).
  std::uint8_t* scales = &b[96];
  for (int s = 0; s < 16; ++s) {
    const int biased = s + 24;
    scales[s % 8] |= static_cast<std::uint8_t>((biased & 15) << (s < 8 ? 0 : 4));
    scales[8 + s % 4] |= static_cast<std::uint8_t>((biased >> 4) << (2 * (s / 4)));
  }
  put_u16(&b[108], kHalf0_5);
  const auto y = dequantize(T::Q3_K, b);
  EXPECT_EQ(y[0], 16.0f);    // 0.5 * (0 - 8) * (0 - 4)
  EXPECT_EQ(y[50], 7.5f);    // sub-block 3, quarter 1: 0.5 * -5 * (1 - 4)
  EXPECT_EQ(y[200], 4.0f);   // sub-block 12, quarter 2, high bit: 0.5 * 4 * 2
  EXPECT_EQ(y[255], 10.5f);  // sub-block 15, quarter 3, high bit: 0.5 * 7 * 3
  expect_formula(y, [](int i) {
    const int level = quarter(i) + (i >= 128 ? 4 : 0) - 4;
    return (0.5f * static_cast<float>(i / 16 - 8)) * static_cast<float>(level);
  });
}

// Q4_K and Q5_K: sub-block j has scale 10 + 7 j and min 63 - 5 j, packed as the format says.
int k_scale(int j) { return 10 + 7 * j; }
int k_min(int j) { return 63 - 5 * j; }

void put_k_scales(std::uint8_t* scales) {
  for (int j = 0; j < 4; ++j) {
    scales[j] = static_cast<std::uint8_t>(k_scale(j) | ((k_scale(j + 4) >> 4) << 6));
    scales[j + 4] = static_cast<std::uint8_t>(k_min(j) | ((k_min(j + 4) >> 4) << 6));
    scales[j + 8] = static_cast<std::uint8_t>((k_scale(j + 4) & 15) | ((k_min(j + 4) & 15) << 4));
  }
}

// The 4 low bits of weight i: byte 32 * (i / 64) + i % 32 of qs, high nibble when i % 64 >= 32.
int k_low_bits(const std::uint8_t* qs, int i) {
  const std::uint8_t byte = qs[32 * (i / 64) + i % 32];
  return i % 64 < 32 ? byte & 15 : byte >> 4;
}

TEST(GoldenBlock, Q4_K) {
  std::array<std::uint8_t, 144> b{};
  put_u16(&b[0], kHalf0_5);   // d
  put_u16(&b[2], kHalf0_25);  // dmin
  put_k_scales(&b[4]);
  for (int k = 0; k < 128; ++k) b[16 + k] = static_cast<std::uint8_t>(k ^ 0x5a);
  const auto y = dequantize(T::Q4_K, b);
  EXPECT_EQ(y[0], 34.25f);    // byte 0x5a, low 10; sub-block 0: 0.5 * 10 * 10 - 0.25 * 63
  EXPECT_EQ(y[33], 28.0f);    // byte 0x5b, high 5; sub-block 1: 0.5 * 17 * 5 - 0.25 * 58
  EXPECT_EQ(y[200], 43.75f);  // 104 ^ 0x5a = 0x32, low 2; sub-block 6: 26 * 2 - 0.25 * 33
  EXPECT_EQ(y[255], 52.0f);   // byte 0x25, high 2; sub-block 7: 0.5 * 59 * 2 - 0.25 * 28
  const std::uint8_t* qs = &b[16];
  expect_formula(y, [qs](int i) {
    const int j = i / 32;
    return (0.5f * static_cast<float>(k_scale(j))) * static_cast<float>(k_low_bits(qs, i)) -
           0.25f * static_cast<float>(k_min(j));
  });
}

TEST(GoldenBlock, Q5_K) {
  std::array<std::uint8_t, 176> b{};
  put_u16(&b[0], kHalf0_5);
  put_u16(&b[2], kHalf0_25);
  put_k_scales(&b[4]);
  // qh: bit j of byte l is bit 4 of weight 32 j + l; every odd byte all ones.
  for (int l = 0; l < 32; ++l) b[16 + l] = (l % 2) ? 0xff : 0x00;
  for (int k = 0; k < 128; ++k) b[48 + k] = static_cast<std::uint8_t>(k ^ 0x5a);
  const auto y = dequantize(T::Q5_K, b);
  EXPECT_EQ(y[0], 34.25f);    // as Q4_K, lane 0 even: no fifth bit
  EXPECT_EQ(y[33], 164.0f);   // lane 1: (5 + 16) * 8.5 - 14.5
  EXPECT_EQ(y[255], 524.0f);  // lane 31: (2 + 16) * 29.5 - 7
  const std::uint8_t* qs = &b[48];
  expect_formula(y, [qs](int i) {
    const int j = i / 32, level = k_low_bits(qs, i) + ((i % 32) % 2 ? 16 : 0);
    return (0.5f * static_cast<float>(k_scale(j))) * static_cast<float>(level) -
           0.25f * static_cast<float>(k_min(j));
  });
}

TEST(GoldenBlock, Q6_K) {
  std::array<std::uint8_t, 210> b{};
  for (int k = 0; k < 128; ++k) b[k] = static_cast<std::uint8_t>(k);  // ql
  for (int k = 0; k < 64; ++k) b[128 + k] = kFieldIsQuarter;          // qh: high 2 bits = quarter
  for (int s = 0; s < 16; ++s)
    b[192 + s] = static_cast<std::uint8_t>(static_cast<std::int8_t>(8 * s - 64));
  put_u16(&b[208], kHalf0_25);
  const auto y = dequantize(T::Q6_K, b);
  // Weight i is lane l of quarter k of half h; its low 4 bits are in ql[64 h + 32 (k % 2) + l],
  // the high nibble for k >= 2.
  EXPECT_EQ(y[0], 512.0f);    // ql[0] = 0, quarter 0: level -32; scale -64: 0.25 * -64 * -32
  EXPECT_EQ(y[45], 36.0f);    // ql[45] low 13, quarter 1: 13 + 16 - 32 = -3; scale -48
  EXPECT_EQ(y[200], 32.0f);   // ql[72] high 4, quarter 2: 4 + 32 - 32 = 4; scale 32
  EXPECT_EQ(y[255], 322.0f);  // ql[127] high 7, quarter 3: 7 + 48 - 32 = 23; scale 56
  expect_formula(y, [](int i) {
    const int h = i / 128, k = (i % 128) / 32, l = i % 32;
    const int ql = 64 * h + 32 * (k % 2) + l;  // ql[n] = n
    const int low = k < 2 ? ql & 15 : ql >> 4;
    return (0.25f * static_cast<float>(8 * (i / 16) - 64)) * static_cast<float>(low + 16 * k - 32);
  });
}

TEST(GoldenBlock, Q8_K) {
  std::array<std::uint8_t, 292> b{};
  const float d = 0.5f;
  std::memcpy(&b[0], &d, 4);
  for (int i = 0; i < 256; ++i)
    b[4 + i] = static_cast<std::uint8_t>(static_cast<std::int8_t>(i - 128));
  const auto y = dequantize(T::Q8_K, b);
  EXPECT_EQ(y[0], -64.0f);
  EXPECT_EQ(y[255], 63.5f);
  expect_formula(y, [](int i) { return 0.5f * static_cast<float>(i - 128); });
}

// The structs of blocks.hpp put every field where the bytes above put it.
TEST(BlockLayout, FieldOffsetsMatchTheFormat) {
  EXPECT_EQ(offsetof(BlockQ4_1, m), 2u);
  EXPECT_EQ(offsetof(BlockQ4_1, qs), 4u);
  EXPECT_EQ(offsetof(BlockQ5_0, qs), 6u);
  EXPECT_EQ(offsetof(BlockQ5_1, qh), 4u);
  EXPECT_EQ(offsetof(BlockQ5_1, qs), 8u);
  EXPECT_EQ(offsetof(BlockQ8_1, qs), 4u);
  EXPECT_EQ(offsetof(BlockQ2_K, qs), 16u);
  EXPECT_EQ(offsetof(BlockQ2_K, d), 80u);
  EXPECT_EQ(offsetof(BlockQ3_K, qs), 32u);
  EXPECT_EQ(offsetof(BlockQ3_K, scales), 96u);
  EXPECT_EQ(offsetof(BlockQ3_K, d), 108u);
  EXPECT_EQ(offsetof(BlockQ4_K, scales), 4u);
  EXPECT_EQ(offsetof(BlockQ4_K, qs), 16u);
  EXPECT_EQ(offsetof(BlockQ5_K, qh), 16u);
  EXPECT_EQ(offsetof(BlockQ5_K, qs), 48u);
  EXPECT_EQ(offsetof(BlockQ6_K, qh), 128u);
  EXPECT_EQ(offsetof(BlockQ6_K, scales), 192u);
  EXPECT_EQ(offsetof(BlockQ6_K, d), 208u);
  EXPECT_EQ(offsetof(BlockQ8_K, qs), 4u);
  EXPECT_EQ(offsetof(BlockQ8_K, bsums), 260u);
}

TEST(BlockLayout, SizesMatchTheTypeTable) {
  EXPECT_EQ(sizeof(BlockQ4_0), type_info(T::Q4_0).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ4_1), type_info(T::Q4_1).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ5_0), type_info(T::Q5_0).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ5_1), type_info(T::Q5_1).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ8_0), type_info(T::Q8_0).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ8_1), type_info(T::Q8_1).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ2_K), type_info(T::Q2_K).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ3_K), type_info(T::Q3_K).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ4_K), type_info(T::Q4_K).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ5_K), type_info(T::Q5_K).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ6_K), type_info(T::Q6_K).bytes_per_block);
  EXPECT_EQ(sizeof(BlockQ8_K), type_info(T::Q8_K).bytes_per_block);
  for (T t : {T::Q4_0, T::Q4_1, T::Q5_0, T::Q5_1, T::Q8_0, T::Q8_1}) {
    EXPECT_EQ(type_info(t).block_size, static_cast<std::uint32_t>(kBlockSize));
  }
  for (T t : {T::Q2_K, T::Q3_K, T::Q4_K, T::Q5_K, T::Q6_K, T::Q8_K}) {
    EXPECT_EQ(type_info(t).block_size, static_cast<std::uint32_t>(kSuperBlockSize));
  }
}

// reference_fns() has conversions for exactly the types the type table calls supported.
TEST(ReferenceTable, CoversEverySupportedType) {
  for (std::uint32_t id = 0; id < 256; ++id) {
    const TypeInfo* info = find_type_info(id);
    if (info == nullptr) continue;
    EXPECT_EQ(reference_fns(info->type) != nullptr, info->supported) << info->name;
  }
}

}  // namespace
}  // namespace memwall::quant
