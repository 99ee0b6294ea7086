// Packers of the plain family: F32, F16 and BF16 column-major in 16-row groups; Q8_0 and Q4_0
// interleaved by 16-row groups (packed.hpp).
#include <cstdint>
#include <cstring>

#include "memwall/quant/blocks.hpp"
#include "memwall/quant/packed.hpp"
#include "pack.hpp"

namespace memwall::quant::pack {
namespace {

// Column k of the 16 rows, then column k + 1: element k of row r at 16 k + r (zeros for a
// padding row). E is an unsigned integer of the element's size: the bits are copied as they are.
template <typename E>
void column_major(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  for (std::int64_t k = 0; k < cols; ++k) {
    for (int r = 0; r < kPackRows; ++r, out += sizeof(E)) {
      if (rows[r]) std::memcpy(out, rows[r] + k * sizeof(E), sizeof(E)); else std::memset(out, 0, sizeof(E));
    }
  }
}

constexpr int R = static_cast<int>(kPackRows);

}  // namespace

void plain_f32(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  column_major<std::uint32_t>(rows, cols, out);
}

void plain_f16(const std::byte* const* rows, std::int64_t cols, std::byte* out) {
  column_major<std::uint16_t>(rows, cols, out);
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
