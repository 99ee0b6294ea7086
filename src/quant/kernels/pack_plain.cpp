// Packers of the plain family: F32, F16 and BF16 in bands of 8 rows (row-major when the width is
// not a multiple of 16); Q8_0 and Q4_0 interleaved by 16-row groups (packed.hpp).
#include <cstring>

#include "memwall/quant/blocks.hpp"
#include "memwall/quant/packed.hpp"
#include "pack.hpp"

namespace memwall::quant::pack {
namespace {

// Copies `bytes` of row r from `offset` (zeros for a padding row).
void copy_part(const std::byte* row, std::size_t offset, std::size_t bytes, std::byte* out) {
  if (row) std::memcpy(out, row + offset, bytes); else std::memset(out, 0, bytes);
}

// [band of rows 0..7, band of rows 8..15], each [for chunk c: 8 rows x elements 16c..16c+15].
void plain_rows(const std::byte* const* rows, std::int64_t cols, std::size_t elem_bytes, std::byte* out) {
  const std::size_t row_bytes = static_cast<std::size_t>(cols) * elem_bytes;
  if (cols % kPlainChunkCols != 0) {
    for (int r = 0; r < kPackRows; ++r, out += row_bytes) copy_part(rows[r], 0, row_bytes, out);
    return;
  }
  const std::size_t chunk_bytes = kPlainChunkCols * elem_bytes;
  for (int band = 0; band < kPackRows; band += kPlainBandRows) {
    for (std::size_t offset = 0; offset < row_bytes; offset += chunk_bytes) {
      for (int r = band; r < band + kPlainBandRows; ++r, out += chunk_bytes) copy_part(rows[r], offset, chunk_bytes, out);
    }
  }
}

constexpr int R = static_cast<int>(kPackRows);

}  // namespace

void plain_f32(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  plain_rows(rows, cols, 4, out);
}

void plain_f16(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  plain_rows(rows, cols, 2, out);
}

// [16 x f16 d][for k-group j = 0..7: 16 rows x the 4 signed quants of weights 4j..4j+3]
void q8_0(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  for (std::int64_t b = 0; b < cols / kBlockSize; ++b) {
    out = put_halves<BlockQ8_0>(rows, b, &BlockQ8_0::d, out);
    for (int j = 0; j < kBlockSize / 4; ++j) {
      for (int r = 0; r < R; ++r) {
        const BlockQ8_0* blk = block_of<BlockQ8_0>(rows[r], b);
        if (blk) std::memcpy(out, blk->qs + 4 * j, 4); else std::memset(out, 0, 4);
        out += 4;
      }
    }
  }
}

// [16 x f16 d][for j = 0..3: 16 rows x 4 bytes, byte i = w[8j+i] | w[8j+4+i] << 4]: masking and
// shifting one register gives the quants of weights 8j..8j+3 and 8j+4..8j+7 of all 16 rows.
void q4_0(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  // In the file, weight k < 16 is the low nibble of qs[k] and weight k >= 16 the high one of qs[k-16].
  const auto nibble = [](const BlockQ4_0& blk, int k) {
    return k < 16 ? blk.qs[k] & 15 : blk.qs[k - 16] >> 4;
  };
  for (std::int64_t b = 0; b < cols / kBlockSize; ++b) {
    out = put_halves<BlockQ4_0>(rows, b, &BlockQ4_0::d, out);
    for (int j = 0; j < kBlockSize / 8; ++j) {
      for (int r = 0; r < R; ++r) {
        const BlockQ4_0* blk = block_of<BlockQ4_0>(rows[r], b);
        for (int i = 0; i < 4; ++i) {
          const int lo = blk ? nibble(*blk, 8 * j + i) : 0, hi = blk ? nibble(*blk, 8 * j + 4 + i) : 0;
          *out++ = static_cast<std::byte>(lo | hi << 4);
        }
      }
    }
  }
}

namespace {

constexpr PackerEntry kPlain[] = {
    {TensorType::F32, plain_f32}, {TensorType::F16, plain_f16}, {TensorType::BF16, plain_f16},
    {TensorType::Q8_0, q8_0},     {TensorType::Q4_0, q4_0},
};

}  // namespace

std::span<const PackerEntry> plain_packers() { return kPlain; }

}  // namespace memwall::quant::pack
