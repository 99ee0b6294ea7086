// Packers of the K-quant family: Q4_K, Q5_K, Q6_K. A 16-row group is laid out super-block by
// super-block (256 weights of each row), in exactly 16 x the file's bytes. Lane r of a register
// is row r throughout: a 64-byte chunk holds 16 rows x 4 bytes, so one 4-byte dot product against
// a broadcast group of 4 activations yields the 16 rows' partial sums (kquant_layout.hpp has the
// offsets).
//
// Q4_K (2304 B)  [16 x f16 d][16 x f16 dmin]
//                [scales: 3 chunks x 16 rows x 4 bytes, chunk c of row r = the file's scale bytes
//                 4c..4c+3 of that row: AND-ing chunk 0 and 1 with 63 gives the scales and mins of
//                 sub-blocks 0..3, a few shifts of all three those of 4..7, one row per lane]
//                [8 sub-blocks x 4 k-groups of 8 weights x 16 rows x 4 bytes: byte i of k-group i'
//                 = w[8i'+i] | w[8i'+4+i] << 4, as Q4_0 (weights in their natural order 0..255)]
// Q5_K (2816 B)  as Q4_K, but each sub-block's 256 bytes of nibbles are preceded by its 5th bits:
//                8 k-groups of 4 weights x a 64-bit word whose bit 4r+i is bit 4 of row r's weight
//                4m+i: an AVX-512 byte mask over the register of that k-group, 4 bytes a row.
// Q6_K (3360 B)  [16 x f16 d][16 sub-blocks x 16 rows x int8 scale]
//                [16 sub-blocks of 16 weights x 3 chunks of 16 rows x 4 bytes: chunk c < 3, byte i
//                 = q[16s+4c+i] | bits 2c..2c+1 of q[16s+12+i] << 6]  (q = 0..63, before the -32)
//                 so k-groups 0..2 of a sub-block are a chunk AND 63, and k-group 3 is gathered
//                 from the three top bit pairs: 6 bits a weight, nothing to shuffle]
// 3360 B is not a whole number of cache lines, so every other super-block's chunks straddle lines
// whatever the order of its parts.
#include <cstdint>
#include <cstring>

#include "kquant_layout.hpp"
#include "memwall/quant/blocks.hpp"
#include "pack.hpp"

namespace memwall::quant::pack {
namespace {

using kquant::kRows;
constexpr int kWeights = kSuperBlockSize;

// The quants (levels, unsigned) of super-block b of the 16 rows: q[r][k], 0 for padding rows.
using Levels = std::uint8_t[kRows][kWeights];

int q4_k_level(const BlockQ4_K& blk, int k) {
  const int c = k / 64, l = k % 64;
  return l < 32 ? blk.qs[32 * c + l] & 15 : blk.qs[32 * c + l - 32] >> 4;
}

int q5_k_level(const BlockQ5_K& blk, int k) {
  const int c = k / 64, l = k % 64;
  const int low = l < 32 ? blk.qs[32 * c + l] & 15 : blk.qs[32 * c + l - 32] >> 4;
  return low | ((blk.qh[l % 32] >> (k / 32)) & 1) << 4;
}

int q6_k_level(const BlockQ6_K& blk, int k) {
  // In each half of 128 weights, quarter p (32 weights) has its low bits in nibble p / 2 of
  // ql[32 * (p % 2) + l] and its high bits at bit 2p of qh[l].
  const int h = k / 128, p = (k % 128) / 32, l = k % 32;
  const int low = (blk.ql[64 * h + 32 * (p % 2) + l] >> (4 * (p / 2))) & 15;
  return low | ((blk.qh[32 * h + l] >> (2 * p)) & 3) << 4;
}

template <typename Block, int (*level)(const Block&, int)>
void gather_levels(const std::byte* const* rows, std::int64_t b, Levels& q) {
  for (int r = 0; r < kRows; ++r) {
    const Block* blk = block_of<Block>(rows[r], b);
    for (int k = 0; k < kWeights; ++k) q[r][k] = blk ? static_cast<std::uint8_t>(level(*blk, k)) : 0;
  }
}

// 4 k-groups of 8 weights from weight k0: 16 rows x 4 bytes each, byte i = w[8i'+i] | w[8i'+4+i] << 4.
std::byte* put_nibbles(const Levels& q, int k0, std::byte* out) {
  for (int k = k0; k < k0 + 32; k += 8) {
    for (int r = 0; r < kRows; ++r) {
      for (int i = 0; i < 4; ++i) *out++ = static_cast<std::byte>((q[r][k + i] & 15) | (q[r][k + 4 + i] & 15) << 4);
    }
  }
  return out;
}

// 8 k-groups of 4 weights from weight k0: a 64-bit word each, bit 4r+i = bit 4 of q[r][4m+i].
std::byte* put_fifth_bits(const Levels& q, int k0, std::byte* out) {
  for (int k = k0; k < k0 + 32; k += 4) {
    std::uint64_t bits = 0;
    for (int r = 0; r < kRows; ++r) {
      for (int i = 0; i < 4; ++i) bits |= static_cast<std::uint64_t>((q[r][k + i] >> 4) & 1) << (4 * r + i);
    }
    std::memcpy(out, &bits, 8);
    out += 8;
  }
  return out;
}

// The file's 12 scale bytes of each row as 3 chunks of 16 rows x 4 bytes.
template <typename Block>
std::byte* put_scale_chunks(const std::byte* const* rows, std::int64_t b, std::byte* out) {
  for (int c = 0; c < 3; ++c) {
    for (int r = 0; r < kRows; ++r) {
      const Block* blk = block_of<Block>(rows[r], b);
      if (blk) std::memcpy(out, blk->scales + 4 * c, 4); else std::memset(out, 0, 4);
      out += 4;
    }
  }
  return out;
}

template <TensorType T, typename Block, int (*level)(const Block&, int)>
void q45_k(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  using L = kquant::Q45Layout<T>;
  Levels q;
  for (std::int64_t b = 0; b < cols / kWeights; ++b) {
    out = put_halves<Block>(rows, b, &Block::d, out);
    out = put_halves<Block>(rows, b, &Block::dmin, out);
    out = put_scale_chunks<Block>(rows, b, out);
    gather_levels<Block, level>(rows, b, q);
    for (int j = 0; j < 8; ++j) {
      if constexpr (L::kHighBits) out = put_fifth_bits(q, 32 * j, out);
      out = put_nibbles(q, 32 * j, out);
    }
  }
}

// One Q6_K sub-block: chunks c = 0..2 of k-groups 4s+c, each carrying two bits of k-group 4s+3.
std::byte* put_q6_sub_block(const Levels& q, int s, std::byte* out) {
  for (int c = 0; c < 3; ++c) {
    for (int r = 0; r < kRows; ++r) {
      for (int i = 0; i < 4; ++i) {
        const int own = q[r][16 * s + 4 * c + i], spilled = (q[r][16 * s + 12 + i] >> (2 * c)) & 3;
        *out++ = static_cast<std::byte>(own | spilled << 6);
      }
    }
  }
  return out;
}

void q6_k(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  Levels q;
  for (std::int64_t b = 0; b < cols / kWeights; ++b) {
    gather_levels<BlockQ6_K, q6_k_level>(rows, b, q);
    out = put_halves<BlockQ6_K>(rows, b, &BlockQ6_K::d, out);
    for (int s = 0; s < 16; ++s) {
      for (int r = 0; r < kRows; ++r) {
        const BlockQ6_K* blk = block_of<BlockQ6_K>(rows[r], b);
        *out++ = static_cast<std::byte>(blk ? blk->scales[s] : 0);
      }
    }
    for (int s = 0; s < 16; ++s) out = put_q6_sub_block(q, s, out);
  }
}

constexpr PackerEntry kKQuant[] = {
    {TensorType::Q4_K, q45_k<TensorType::Q4_K, BlockQ4_K, q4_k_level>},
    {TensorType::Q5_K, q45_k<TensorType::Q5_K, BlockQ5_K, q5_k_level>},
    {TensorType::Q6_K, q6_k},
};

}  // namespace

std::span<const PackerEntry> kquant_packers() { return kKQuant; }

}  // namespace memwall::quant::pack
