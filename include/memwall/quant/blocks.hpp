#pragma once
// The byte layouts of the quantized blocks, as GGUF files store them (ggml-common.h defines the
// same layouts; data/quant_types.csv lists their sizes). Each block holds `block_size` weights.
//
// Every struct is packed to alignment 1: tensor data comes from mmap'd files and from caller
// spans at any byte offset, and a block must be readable wherever it lies. The fields are in
// file order and every field is naturally aligned inside the block anyway, so packing changes no
// offset, only the alignment requirement. Half-precision fields are IEEE binary16 bit patterns
// (std::uint16_t); convert them with half.hpp.
#include <cstddef>
#include <cstdint>

namespace memwall::quant {

// Weights per block of the legacy types (Q4_0 ... Q8_1).
inline constexpr int kBlockSize = 32;
// Weights per super-block of the K-quants (Q2_K ... Q8_K).
inline constexpr int kSuperBlockSize = 256;
// Bytes of the packed 6-bit scales and mins of Q4_K and Q5_K (and the 6-bit scales of Q3_K).
inline constexpr int kKScaleBytes = 12;

#pragma pack(push, 1)

// x = d * (q - 8), q in 0..15. qs[j] holds weight j in its low nibble and weight j + 16 in its
// high nibble.
struct BlockQ4_0 {
  std::uint16_t d;
  std::uint8_t qs[kBlockSize / 2];
};

// x = d * q + m, q in 0..15, nibbles as in Q4_0.
struct BlockQ4_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qs[kBlockSize / 2];
};

// x = d * (q - 16), q in 0..31: the low 4 bits as in Q4_0, bit 4 of weight j is bit j of the
// little-endian 32-bit word qh.
struct BlockQ5_0 {
  std::uint16_t d;
  std::uint8_t qh[4];
  std::uint8_t qs[kBlockSize / 2];
};

// x = d * q + m, q in 0..31, bits as in Q5_0.
struct BlockQ5_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qh[4];
  std::uint8_t qs[kBlockSize / 2];
};

// x = d * q.
struct BlockQ8_0 {
  std::uint16_t d;
  std::int8_t qs[kBlockSize];
};

// x = d * q; s = d * sum(q), kept for the dot products with Q4_1 and Q5_1.
struct BlockQ8_1 {
  std::uint16_t d;
  std::uint16_t s;
  std::int8_t qs[kBlockSize];
};

// 16 sub-blocks of 16 weights: x = d * (scales[i] & 15) * q - dmin * (scales[i] >> 4), q in 0..3.
// qs[32 h + l] holds, from its low bits up, weights 128 h + l, + 32, + 64, + 96 (l < 32).
struct BlockQ2_K {
  std::uint8_t scales[kSuperBlockSize / 16];
  std::uint8_t qs[kSuperBlockSize / 4];
  std::uint16_t d;
  std::uint16_t dmin;
};

// 16 sub-blocks of 16 weights: x = d * (s - 32) * (q - 4), s a 6-bit scale, q in 0..7. The low
// 2 bits of q are packed as in Q2_K; bit 2 of weight i is bit i / 32 of hmask[i % 32]. Scale i
// has its low 4 bits in scales[i % 8] (low nibble for i < 8, high nibble after) and its high 2
// bits in scales[8 + i % 4] at bit 2 * (i / 4).
struct BlockQ3_K {
  std::uint8_t hmask[kSuperBlockSize / 8];
  std::uint8_t qs[kSuperBlockSize / 4];
  std::uint8_t scales[kKScaleBytes];
  std::uint16_t d;
};

// 8 sub-blocks of 32 weights: x = d * sc * q - dmin * m, q in 0..15, sc and m 6-bit. For
// sub-block j < 4, sc and m are the low 6 bits of scales[j] and scales[j + 4]; for j >= 4 their
// low 4 bits are the low and high nibble of scales[j + 4] and their high 2 bits the top bits of
// scales[j - 4] and scales[j]. qs[32 c + l] holds weight 64 c + l in its low nibble and weight
// 64 c + 32 + l in its high nibble.
struct BlockQ4_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[kKScaleBytes];
  std::uint8_t qs[kSuperBlockSize / 2];
};

// As Q4_K with q in 0..31: bit 4 of weight 64 c + l is bit 2 c of qh[l], of weight 64 c + 32 + l
// bit 2 c + 1.
struct BlockQ5_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[kKScaleBytes];
  std::uint8_t qh[kSuperBlockSize / 8];
  std::uint8_t qs[kSuperBlockSize / 2];
};

// 16 sub-blocks of 16 weights: x = d * scales[i] * (q - 32), q in 0..63. In each half h of 128
// weights, ql[64 h + l] holds the low 4 bits of weights l (low nibble) and l + 64 (high nibble),
// ql[64 h + 32 + l] those of l + 32 and l + 96; qh[32 h + l] holds the high 2 bits of l, l + 32,
// l + 64, l + 96 from its low bits up (l < 32, weights counted from the half's start).
struct BlockQ6_K {
  std::uint8_t ql[kSuperBlockSize / 2];
  std::uint8_t qh[kSuperBlockSize / 4];
  std::int8_t scales[kSuperBlockSize / 16];
  std::uint16_t d;
};

// x = d * q with a 32-bit float d; bsums[i] = sum of qs[16 i .. 16 i + 15], which the K-quant
// dot products use to apply the mins of the weights without touching the quants again.
struct BlockQ8_K {
  float d;
  std::int8_t qs[kSuperBlockSize];
  std::int16_t bsums[kSuperBlockSize / 16];
};

#pragma pack(pop)

static_assert(sizeof(BlockQ4_0) == 18 && alignof(BlockQ4_0) == 1);
static_assert(sizeof(BlockQ4_1) == 20 && alignof(BlockQ4_1) == 1);
static_assert(sizeof(BlockQ5_0) == 22 && alignof(BlockQ5_0) == 1);
static_assert(sizeof(BlockQ5_1) == 24 && alignof(BlockQ5_1) == 1);
static_assert(sizeof(BlockQ8_0) == 34 && alignof(BlockQ8_0) == 1);
static_assert(sizeof(BlockQ8_1) == 36 && alignof(BlockQ8_1) == 1);
static_assert(sizeof(BlockQ2_K) == 84 && alignof(BlockQ2_K) == 1);
static_assert(sizeof(BlockQ3_K) == 110 && alignof(BlockQ3_K) == 1);
static_assert(sizeof(BlockQ4_K) == 144 && alignof(BlockQ4_K) == 1);
static_assert(sizeof(BlockQ5_K) == 176 && alignof(BlockQ5_K) == 1);
static_assert(sizeof(BlockQ6_K) == 210 && alignof(BlockQ6_K) == 1);
static_assert(sizeof(BlockQ8_K) == 292 && alignof(BlockQ8_K) == 1);

}  // namespace memwall::quant
