// Packers of the legacy family: Q4_1, Q5_0, Q5_1, Q2_K, Q3_K. As for Q4_0 (packed.hpp), a 16-row
// group is laid out block by block, and inside a block the 16 rows' copies of each field sit side
// by side, so that one SIMD load gets a field of all 16 rows (row r is lane r). The bytes are the
// file's, moved (Q3_K's 6-bit scales are re-packed bit for bit): a group takes 16 x the row bytes.
// legacy_layout.hpp has the offsets.
//
// 32-weight blocks, x = d * (q - offset) + m:
//   Q4_1  [16 x f16 d][16 x f16 m][nibbles]                  320 B
//   Q5_0  [16 x f16 d][high bits][nibbles]                   352 B
//   Q5_1  [16 x f16 d][16 x f16 m][high bits][nibbles]       384 B
//   nibbles    as Q4_0: chunk j = 0..3, row r: 4 bytes, byte i = q[8j+i] & 15 | (q[8j+4+i] & 15) << 4
//   high bits  8 x u64, word g for weights 4g..4g+3: bit 4r+i = bit 4 of row r's q[4g+i]; i.e. an
//              AVX-512 mask whose bits line up with the bytes of the register holding those weights
//
// 256-weight super-blocks: the 16 sub-blocks of 16 weights form four quad-sets, quad-set q holding
// sub-blocks b + 2j (j = 0..3, b = 0, 1, 8, 9): the sub-blocks whose 2-bit fields share a byte in
// the file. A quant byte keeps them as the file does, field j (bits 2j, 2j+1) from sub-block b + 2j,
// so the kernels mask a byte four ways, with no shifts, and fix up the factors 4^j in the sums.
//   Q2_K  [16 x f16 d][16 x f16 dmin][scales][quants]        1344 B
//         scales  quad-set q, row r: 4 bytes, byte j = the file's scale byte of sub-block b + 2j
//         quants  quad-set q, k-group c = 0..3, row r: 4 bytes, byte i = weight 4c+i of sub-blocks b+2j
//   Q3_K  [16 x f16 d][scales: 3 planes (legacy_layout.hpp)][low 2 bits as Q2_K's quants]
//         [high bits: 64 x u64, word (q, c, j): bit 4r+i = bit 2 of weight 4c+i of sub-block b+2j
//          of row r]                                        1760 B
#include <cstring>

#include "../kquant_packing.hpp"
#include "legacy_layout.hpp"
#include "memwall/quant/blocks.hpp"
#include "pack.hpp"

namespace memwall::quant::pack {
namespace {

using legacy::kQuadBase;
using legacy::quad_sub_block;
constexpr int R = static_cast<int>(kPackRows);

// Quant k (0..31) of a Q4_x/Q5_x block: the nibble (weight k < 16 low in qs[k], else high in
// qs[k-16]), with bit 4 from qh for Q5_x.
template <typename Block>
int level32(const Block& blk, int k) {
  const int nibble = k < 16 ? blk.qs[k] & 15 : blk.qs[k - 16] >> 4;
  if constexpr (requires { blk.qh; }) {
    std::uint32_t qh;
    std::memcpy(&qh, blk.qh, 4);
    return nibble | static_cast<int>((qh >> k) & 1) << 4;
  } else {
    return nibble;
  }
}

// Writes one u64 whose bit 4r + i is bit(r, i).
template <typename Bit>
std::byte* put_mask(Bit bit, std::byte* out) {
  std::uint64_t word = 0;
  for (int r = 0; r < R; ++r) {
    for (int i = 0; i < 4; ++i) word |= static_cast<std::uint64_t>(bit(r, i) & 1) << (4 * r + i);
  }
  std::memcpy(out, &word, 8);
  return out + 8;
}

template <typename Block>
std::byte* put_nibbles(const std::byte* const* rows, std::int64_t b, std::byte* out) {
  for (int j = 0; j < 4; ++j) {
    for (int r = 0; r < R; ++r) {
      const Block* blk = block_of<Block>(rows[r], b);
      for (int i = 0; i < 4; ++i) {
        const int lo = blk ? level32(*blk, 8 * j + i) & 15 : 0, hi = blk ? level32(*blk, 8 * j + 4 + i) & 15 : 0;
        *out++ = static_cast<std::byte>(lo | hi << 4);
      }
    }
  }
  return out;
}

template <typename Block>
std::byte* put_high_bits(const std::byte* const* rows, std::int64_t b, std::byte* out) {
  for (int g = 0; g < 8; ++g) {
    out = put_mask([&](int r, int i) {
      const Block* blk = block_of<Block>(rows[r], b);
      return blk ? level32(*blk, 4 * g + i) >> 4 : 0;
    }, out);
  }
  return out;
}

template <typename Block>
void pack32(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  for (std::int64_t b = 0; b < cols / kBlockSize; ++b) {
    out = put_halves<Block>(rows, b, &Block::d, out);
    if constexpr (requires { &Block::m; }) out = put_halves<Block>(rows, b, &Block::m, out);
    if constexpr (requires { &Block::qh; }) out = put_high_bits<Block>(rows, b, out);
    out = put_nibbles<Block>(rows, b, out);
  }
}

// Q2_K and Q3_K: quant chunk (q, c), row r = the file's qs[16q + 4c .. + 3]. (In the file,
// qs[32h + l] holds weights 128h + l + 32j, which is weight l % 16 of sub-block 8h + l/16 + 2j.)
template <typename Block>
std::byte* put_two_bit_quants(const std::byte* const* rows, std::int64_t b, std::byte* out) {
  for (int chunk = 0; chunk < 16; ++chunk) {
    for (int r = 0; r < R; ++r, out += 4) {
      const Block* blk = block_of<Block>(rows[r], b);
      if (blk) std::memcpy(out, blk->qs + 4 * chunk, 4); else std::memset(out, 0, 4);
    }
  }
  return out;
}

void q2_k(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  for (std::int64_t b = 0; b < cols / kSuperBlockSize; ++b) {
    out = put_halves<BlockQ2_K>(rows, b, &BlockQ2_K::d, out);
    out = put_halves<BlockQ2_K>(rows, b, &BlockQ2_K::dmin, out);
    for (int q = 0; q < 4; ++q) {
      for (int r = 0; r < R; ++r) {
        const BlockQ2_K* blk = block_of<BlockQ2_K>(rows[r], b);
        for (int j = 0; j < 4; ++j) *out++ = static_cast<std::byte>(blk ? blk->scales[quad_sub_block(q, j)] : 0);
      }
    }
    out = put_two_bit_quants<BlockQ2_K>(rows, b, out);
  }
}

// Q3_K's scales of one row in the plane layout of legacy_layout.hpp. Scale s is stored as v(s), the
// 6-bit two's complement of s - 32 (the file's biased 6-bit value with its top bit flipped).
void put_q3_scales(const BlockQ3_K* blk, std::uint32_t planes[legacy::kQ3Planes]) {
  const auto v = [&](int pair, int member) {
    const int quad = pair / 2, field = pair % 2 + 2 * member;
    return blk ? detail::unpack_q3_scale(blk->scales, quad_sub_block(quad, field)) ^ 32 : 0;
  };
  for (int w = 0; w < 2; ++w) {
    std::uint32_t word[legacy::kQ3Planes] = {};
    for (int pair = 0; pair < 6; ++pair) {
      const legacy::Q3ScaleSlot slot = legacy::kQ3ScaleSlot[pair];
      word[slot.plane] |= static_cast<std::uint32_t>(v(pair, w)) << slot.shift;
    }
    word[0] |= static_cast<std::uint32_t>(v(6, w) & 15);
    word[1] |= static_cast<std::uint32_t>(v(7, w) & 15);
    word[2] |= static_cast<std::uint32_t>(v(6, w) >> 4 | (v(7, w) >> 4) << 2);
    for (int p = 0; p < legacy::kQ3Planes; ++p) planes[p] |= word[p] << (16 * w);
  }
}

// Bit 2 of q of weight k (0..255) of a Q3_K block: bit k / 32 of hmask[k % 32].
int q3_high_bit(const BlockQ3_K& blk, int k) { return (blk.hmask[k % 32] >> (k / 32)) & 1; }

void q3_k(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  for (std::int64_t b = 0; b < cols / kSuperBlockSize; ++b) {
    out = put_halves<BlockQ3_K>(rows, b, &BlockQ3_K::d, out);
    for (int r = 0; r < R; ++r) {
      std::uint32_t planes[legacy::kQ3Planes] = {};
      put_q3_scales(block_of<BlockQ3_K>(rows[r], b), planes);
      for (int p = 0; p < legacy::kQ3Planes; ++p) std::memcpy(out + legacy::kChunk * p + 4 * r, &planes[p], 4);
    }
    out += legacy::kQ3Planes * legacy::kChunk;
    out = put_two_bit_quants<BlockQ3_K>(rows, b, out);
    for (int q = 0; q < 4; ++q) {
      for (int c = 0; c < 4; ++c) {
        for (int j = 0; j < 4; ++j) {
          out = put_mask([&](int r, int i) {
            const BlockQ3_K* blk = block_of<BlockQ3_K>(rows[r], b);
            return blk ? q3_high_bit(*blk, 16 * quad_sub_block(q, j) + 4 * c + i) : 0;
          }, out);
        }
      }
    }
  }
}

constexpr PackerEntry kLegacy[] = {
    {TensorType::Q4_1, pack32<BlockQ4_1>}, {TensorType::Q5_0, pack32<BlockQ5_0>},
    {TensorType::Q5_1, pack32<BlockQ5_1>}, {TensorType::Q2_K, q2_k},
    {TensorType::Q3_K, q3_k},
};

}  // namespace

std::span<const PackerEntry> legacy_packers() { return kLegacy; }

}  // namespace memwall::quant::pack
