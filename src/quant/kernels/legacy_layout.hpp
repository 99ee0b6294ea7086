#pragma once
// Private to quant/: where each field of a packed 16-row group-block of the legacy family lies
// (pack_legacy.cpp describes the layouts). One source of truth for the packer and the kernels of
// every instruction set. Offsets are in bytes from the start of a block (32-weight types) or
// super-block (Q2_K, Q3_K) of the group; every block is the 16 rows' file bytes, no more.
#include <cstddef>

#include "memwall/quant/packed.hpp"
#include "memwall/quant/types.hpp"

namespace memwall::quant::legacy {

inline constexpr std::size_t kRows = static_cast<std::size_t>(kPackRows);
inline constexpr std::size_t kHalves = 2 * kRows;  // 16 f16 fields
inline constexpr std::size_t kChunk = 4 * kRows;   // one k-group of 4 weights x 16 rows

// Q4_1, Q5_0, Q5_1: [d][m if any][high-bit words if any][4 nibble chunks].
template <TensorType T>
struct Layout32 {
  static constexpr bool kMins = T == TensorType::Q4_1 || T == TensorType::Q5_1;
  static constexpr bool kHighBits = T == TensorType::Q5_0 || T == TensorType::Q5_1;
  // The level the quants are centred on (x = d * (q - offset)), taken off through the
  // activation sums: Q5_0's 16; the types with a min have none.
  static constexpr int kOffset = T == TensorType::Q5_0 ? 16 : 0;
  static constexpr int kMaxLevel = kHighBits ? 31 : 15;

  static constexpr std::size_t kD = 0;
  static constexpr std::size_t kM = kHalves;
  static constexpr std::size_t kHigh = kMins ? 2 * kHalves : kHalves;  // 8 x u64, one per k-group
  static constexpr std::size_t kNibbles = kHigh + (kHighBits ? 8 * 8 : 0);
  static constexpr std::size_t kBytes = kNibbles + 4 * kChunk;
};
static_assert(Layout32<TensorType::Q4_1>::kBytes == 20 * kRows);
static_assert(Layout32<TensorType::Q5_0>::kBytes == 22 * kRows);
static_assert(Layout32<TensorType::Q5_1>::kBytes == 24 * kRows);

// The 16 sub-blocks of 16 weights of a K super-block fall in four quad-sets: quad-set q holds
// sub-blocks kQuadBase[q] + 2 j, j = 0..3 (the four whose 2-bit fields share a byte in the file;
// field j of a quant byte belongs to sub-block kQuadBase[q] + 2 j).
inline constexpr int kQuadBase[4] = {0, 1, 8, 9};
inline constexpr int quad_sub_block(int quad, int field) { return kQuadBase[quad] + 2 * field; }

// Q2_K: [d][dmin][scale bytes: 4 quad-sets x 16 rows x 4][quants: 4 quad-sets x 4 k-groups x chunk].
struct LayoutQ2K {
  static constexpr std::size_t kD = 0;
  static constexpr std::size_t kDmin = kHalves;
  static constexpr std::size_t kScales = 2 * kHalves;
  static constexpr std::size_t kQuants = kScales + 4 * kChunk;
  static constexpr std::size_t kBytes = kQuants + 16 * kChunk;
};
static_assert(LayoutQ2K::kBytes == 84 * kRows);

// Q3_K: [d][scales: 3 planes x 16 rows x 4 bytes][low bits as Q2_K's quants]
// [high bits: 64 x u64, word (quad-set, k-group, field)].
struct LayoutQ3K {
  static constexpr std::size_t kD = 0;
  static constexpr std::size_t kScales = kHalves;
  static constexpr std::size_t kQuants = kScales + 3 * kChunk;
  static constexpr std::size_t kHigh = kQuants + 16 * kChunk;
  static constexpr std::size_t kBytes = kHigh + 64 * 8;
};
static_assert(LayoutQ3K::kBytes == 110 * kRows);

// Offset of the quant chunk of k-group c of quad-set q (Q2_K and Q3_K).
inline constexpr std::size_t quant_chunk(std::size_t quants, int quad, int c) {
  return quants + kChunk * static_cast<std::size_t>(4 * quad + c);
}
// Offset of Q3_K's high-bit word of field j, k-group c, quad-set q.
inline constexpr std::size_t q3k_high_word(int quad, int c, int field) {
  return LayoutQ3K::kHigh + 8 * static_cast<std::size_t>(16 * quad + 4 * c + field);
}

// Q3_K's scales, re-packed bit for bit into the file's 12 bytes per row so that AVX-512 gets two
// sub-blocks' signed scales as 16-bit words with a shift or two. Each scale is stored as the
// 6-bit two's complement of (s - 32). Pair p = 2 q + jp (quad-set q, jp = 0, 1) is sub-blocks
// quad_sub_block(q, jp) (member 0) and quad_sub_block(q, jp + 2) (member 1); word w (0: bits 0-15,
// 1: bits 16-31) of row r's 4 bytes in plane A, B, C holds member w of its pairs:
//   A: bits 10-15 pair 0, bits 4-9 pair 1, bits 0-3 the low 4 bits of pair 6
//   B: bits 10-15 pair 2, bits 4-9 pair 3, bits 0-3 the low 4 bits of pair 7
//   C: bits 10-15 pair 4, bits 4-9 pair 5, bits 0-1 the high 2 bits of pair 6, bits 2-3 of pair 7
inline constexpr int kQ3Planes = 3;
struct Q3ScaleSlot {
  int plane;  // 0..2 = A, B, C
  int shift;  // of the 6-bit field within its word; -1 for pairs 6 and 7 (split across planes)
};
inline constexpr Q3ScaleSlot kQ3ScaleSlot[8] = {{0, 10}, {0, 4}, {1, 10}, {1, 4},
                                                {2, 10}, {2, 4}, {0, -1}, {1, -1}};

}  // namespace memwall::quant::legacy
