#pragma once
// Private to quant/: the packer of each type, by family (see tables.hpp). A packer gets one 16-row
// group: `rows[r]` points at row r's GGUF bytes (nullptr for a padding row, which must pack to
// zeros) and writes the group's group_bytes() bytes to `out`.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "memwall/quant/packed.hpp"
#include "memwall/quant/types.hpp"

namespace memwall::quant::pack {

using GroupPacker = void (*)(const std::byte* const* rows, std::int64_t cols, std::byte* out);

struct PackerEntry {
  TensorType type;
  GroupPacker packer;
};

// Block b of a GGUF row (nullptr for a padding row).
template <typename Block>
const Block* block_of(const std::byte* row, std::int64_t b) {
  return row ? reinterpret_cast<const Block*>(row) + b : nullptr;
}

// Writes the 16 rows' f16 field `field` of block b side by side (0 for padding rows); returns the
// end. E.g. put_halves<BlockQ4_0>(rows, b, &BlockQ4_0::d, out).
template <typename Block>
std::byte* put_halves(const std::byte* const* rows, std::int64_t b, std::uint16_t Block::*field, std::byte* out) {
  for (std::int64_t r = 0; r < kPackRows; ++r) {
    const Block* blk = block_of<Block>(rows[r], b);
    const std::uint16_t h = blk ? blk->*field : 0;
    std::memcpy(out + 2 * r, &h, 2);
  }
  return out + 2 * kPackRows;
}

std::span<const PackerEntry> plain_packers();   // F32, F16, BF16, Q8_0, Q4_0
std::span<const PackerEntry> kquant_packers();  // Q4_K, Q5_K, Q6_K
std::span<const PackerEntry> legacy_packers();  // Q4_1, Q5_0, Q5_1, Q2_K, Q3_K

}  // namespace memwall::quant::pack
