#pragma once
// Weight matrices in the layout the matmul kernels stream. GGUF stores a matrix row by row, block
// by block; the kernels want, for each group of 16 rows, the 16 rows' blocks side by side: then one
// SIMD register holds the same 4 weights of 16 rows, a 4-byte dot-product instruction against a
// broadcast group of 4 activations yields 16 rows' partial sums at once, and each lane stays one
// row from the first block to the last, with no horizontal reduction. The bytes are the same as
// the file's (scales stay f16, quants keep their width): a decode step reads exactly the bytes the
// roofline counts.
//
// Layout of one 16-row group, block b after block b-1 (row r of the group is lane r):
//   Q8_0  [16 x f16 d][8 k-groups x 64 B: row r's 4 signed quants of weights 4j..4j+3]
//   Q4_0  [16 x f16 d][4 x 64 B: byte i of row r = w[8j+i] | w[8j+4+i] << 4]  (unsigned 0..15)
// (the other types are described beside their packers). F32, F16 and BF16 go column-major in
// each 16-row group: column k's 16 elements (one register of 16 rows) side by side, then column
// k + 1. A kernel keeps 16 rows' sums in the lanes of one register, multiplies by one broadcast
// activation per column, reads a group as one contiguous stream, and needs no horizontal sum.
#include <cstddef>
#include <cstdint>
#include <span>

#include "memwall/quant/types.hpp"
#include "memwall/util/result.hpp"

namespace memwall::quant {

inline constexpr std::int64_t kPackRows = 16;
inline constexpr std::size_t kPackAlign = 64;

// A packed matrix: rows x cols (cols = GGUF ne[0], the input dimension), rows padded with zero
// rows to a multiple of kPackRows. A view: the bytes belong to an arena or a test buffer.
struct PackedMatrix {
  TensorType type = TensorType::F32;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  const std::byte* data = nullptr;

  std::int64_t padded_rows() const { return (rows + kPackRows - 1) / kPackRows * kPackRows; }
  std::size_t row_bytes() const { return bytes_for(type, static_cast<std::uint64_t>(cols)); }
  std::size_t group_bytes() const { return row_bytes() * kPackRows; }
};

// F32, F16 and BF16: the bytes of one element, of one column of a 16-row group, of the group, and
// where group g starts; element k of the group's row i is (16 k + i) elements after it. Inline,
// unlike bytes_for: the kernels ask for every call.
inline constexpr std::size_t plain_element_bytes(TensorType type) { return type == TensorType::F32 ? 4 : 2; }
inline constexpr std::size_t plain_column_bytes(TensorType type) { return plain_element_bytes(type) * kPackRows; }
inline std::size_t plain_group_bytes(const PackedMatrix& w) {
  return plain_element_bytes(w.type) * static_cast<std::size_t>(kPackRows * w.cols);
}
inline const std::byte* plain_group(const PackedMatrix& w, std::int64_t g) {
  return w.data + static_cast<std::size_t>(g) * plain_group_bytes(w);
}

// Whether the kernels handle this type (every supported weight type: F32, F16, BF16 and the
// quantized types but Q8_1 and Q8_K).
bool packable(TensorType type);
// Bytes the packed form takes: rows padded to 16, the same bytes per row as in the file.
std::size_t packed_bytes(TensorType type, std::int64_t rows, std::int64_t cols);

// Packs rows x cols of GGUF-layout `src` into `out` (packed_bytes long, kPackAlign-aligned).
Result<PackedMatrix> pack_matrix(TensorType type, std::span<const std::byte> src, std::int64_t rows,
                                 std::int64_t cols, std::span<std::byte> out);

}  // namespace memwall::quant
