#include "memwall/quant/packed.hpp"

#include <cstdint>

#include "pack.hpp"

namespace memwall::quant {
namespace {

pack::GroupPacker packer_for(TensorType type) {
  for (auto family : {pack::plain_packers(), pack::kquant_packers(), pack::legacy_packers()}) {
    for (const pack::PackerEntry& e : family) {
      if (e.type == type) return e.packer;
    }
  }
  return nullptr;
}

}  // namespace

bool packable(TensorType type) { return packer_for(type) != nullptr; }

std::size_t packed_bytes(TensorType type, std::int64_t rows, std::int64_t cols) {
  const PackedMatrix m{type, rows, cols, nullptr};
  return static_cast<std::size_t>(m.padded_rows()) * m.row_bytes();
}

Result<PackedMatrix> pack_matrix(TensorType type, std::span<const std::byte> src, std::int64_t rows,
                                 std::int64_t cols, std::span<std::byte> out) {
  const pack::GroupPacker packer = packer_for(type);
  if (!packer) return make_error("no matmul kernel for type {}", type_info(type).name);
  const TypeInfo& info = type_info(type);
  if (rows <= 0 || cols <= 0 || cols % info.block_size != 0) {
    return make_error("{} matrix of {} x {}: the row length must be a multiple of {}", info.name,
                      rows, cols, info.block_size);
  }
  const PackedMatrix m{type, rows, cols, out.data()};
  if (src.size() < static_cast<std::size_t>(rows) * m.row_bytes()) {
    return make_error("{} matrix of {} x {}: {} bytes given, {} needed", info.name, rows, cols,
                      src.size(), static_cast<std::size_t>(rows) * m.row_bytes());
  }
  if (out.size() < packed_bytes(type, rows, cols) ||
      reinterpret_cast<std::uintptr_t>(out.data()) % kPackAlign != 0) {
    return make_error("packed {} matrix: output buffer too small or misaligned", info.name);
  }
  for (std::int64_t g = 0; g < m.padded_rows() / kPackRows; ++g) {
    const std::byte* group_rows[kPackRows];
    for (std::int64_t r = 0; r < kPackRows; ++r) {
      const std::int64_t row = g * kPackRows + r;
      group_rows[r] = row < rows ? src.data() + static_cast<std::size_t>(row) * m.row_bytes() : nullptr;
    }
    packer(group_rows, cols, out.data() + static_cast<std::size_t>(g) * m.group_bytes());
  }
  return m;
}

}  // namespace memwall::quant
