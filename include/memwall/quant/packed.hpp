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
// (the other types are described beside their packers). F32, F16 and BF16 with a multiple of 16
// columns go in bands of 8 rows, each band chunk after chunk of 16 columns, the 8 rows' 16
// elements of a chunk side by side: a kernel that reads a band's 8 rows together reads one
// contiguous stream. Other widths stay row-major (plain_row below says where a row is).
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

// F32, F16, BF16: row r's first 16 elements, and the bytes from one 16-column chunk of a row to its
// next. Element k of row r is at plain_row(w, r) + (k / 16) * plain_chunk_stride(w) + (k % 16) *
// the element size.
inline constexpr std::int64_t kPlainBandRows = 8;
inline constexpr std::int64_t kPlainChunkCols = 16;
inline bool plain_banded(const PackedMatrix& w) { return w.cols % kPlainChunkCols == 0; }
// Inline, unlike bytes_for: the kernels ask for every tile.
inline constexpr std::size_t plain_element_bytes(TensorType type) { return type == TensorType::F32 ? 4 : 2; }
inline std::size_t plain_chunk_stride(const PackedMatrix& w) {
  const std::size_t chunk_bytes = plain_element_bytes(w.type) * kPlainChunkCols;
  return plain_banded(w) ? chunk_bytes * kPlainBandRows : chunk_bytes;
}
// Element k of a row, in bytes from the row's plain_row, given plain_chunk_stride and the element size.
inline constexpr std::size_t plain_column_offset(std::int64_t k, std::size_t chunk_stride, std::size_t element_bytes) {
  return static_cast<std::size_t>(k / kPlainChunkCols) * chunk_stride +
         static_cast<std::size_t>(k % kPlainChunkCols) * element_bytes;
}
// Where row r starts, in bytes from w.data (also for a row past the end, which plain_row must not
// be asked for).
inline std::size_t plain_row_offset(const PackedMatrix& w, std::int64_t r) {
  const std::size_t element = plain_element_bytes(w.type), row_bytes = element * static_cast<std::size_t>(w.cols);
  if (!plain_banded(w)) return static_cast<std::size_t>(r) * row_bytes;
  const std::int64_t band = r / kPlainBandRows, in_band = r % kPlainBandRows;
  return static_cast<std::size_t>(band * kPlainBandRows) * row_bytes +
         static_cast<std::size_t>(in_band) * element * kPlainChunkCols;
}
inline const std::byte* plain_row(const PackedMatrix& w, std::int64_t r) { return w.data + plain_row_offset(w, r); }

// Whether the kernels handle this type (every supported weight type: F32, F16, BF16 and the
// quantized types but Q8_1 and Q8_K).
bool packable(TensorType type);
// Bytes the packed form takes: rows padded to 16, the same bytes per row as in the file.
std::size_t packed_bytes(TensorType type, std::int64_t rows, std::int64_t cols);

// Packs rows x cols of GGUF-layout `src` into `out` (packed_bytes long, kPackAlign-aligned).
Result<PackedMatrix> pack_matrix(TensorType type, std::span<const std::byte> src, std::int64_t rows,
                                 std::int64_t cols, std::span<std::byte> out);

}  // namespace memwall::quant
