#pragma once
// Private to quant/kernels: where each part of a packed K-quant super-block lies, shared by the
// packers (pack_kquant.cpp, which describes the layouts in words) and the kernels. One super-block
// of a 16-row group holds 256 weights of each of the 16 rows, in exactly 16 x the file's bytes.
// Offsets are in bytes from the start of that super-block.
#include <cstddef>

#include "memwall/quant/packed.hpp"
#include "memwall/quant/types.hpp"

namespace memwall::quant::kquant {

inline constexpr int kRows = static_cast<int>(kPackRows);

// Q4_K and Q5_K: 8 sub-blocks of 32 weights, each [high-bit masks (Q5_K)][4 k-groups of 8 nibbles].
template <TensorType T>
struct Q45Layout {
  static constexpr bool kHighBits = T == TensorType::Q5_K;
  static constexpr std::size_t kD = 0;          // 16 x f16
  static constexpr std::size_t kDmin = 32;      // 16 x f16
  static constexpr std::size_t kScales = 64;    // 3 chunks x 16 rows x 4 bytes
  static constexpr std::size_t kSubBlocks = 256;
  static constexpr std::size_t kMaskBytes = kHighBits ? 64 : 0;  // 8 k-groups of 4 x 64 bits
  static constexpr std::size_t kSubBlockBytes = kMaskBytes + 256;
  static constexpr std::size_t kBytes = kSubBlocks + 8 * kSubBlockBytes;

  static constexpr std::size_t sub_block(int j) { return kSubBlocks + j * kSubBlockBytes; }
  // The nibbles of k-group i (weights 8i..8i+7) of sub-block j, and its high bits.
  static constexpr std::size_t nibbles(int j, int i) { return sub_block(j) + kMaskBytes + 64 * i; }
  // The 64-bit mask of k-group m (weights 4m..4m+3) of sub-block j.
  static constexpr std::size_t mask(int j, int m) { return sub_block(j) + 8 * m; }
};

// Q6_K: 16 sub-blocks of 16 weights, each 3 x 64 bytes of 6-bit quants, then the scales and d.
struct Q6Layout {
  static constexpr std::size_t kSubBlockBytes = 192;
  static constexpr std::size_t kD = 0;             // 16 x f16
  static constexpr std::size_t kScales = 32;  // 16 sub-blocks x 16 rows x int8
  static constexpr std::size_t kQuants = 288;
  static constexpr std::size_t kBytes = kQuants + 16 * kSubBlockBytes;

  static constexpr std::size_t quants(int s, int c) { return kQuants + s * kSubBlockBytes + 64 * c; }
};

static_assert(Q45Layout<TensorType::Q4_K>::kBytes == 144 * kPackRows);
static_assert(Q45Layout<TensorType::Q5_K>::kBytes == 176 * kPackRows);
static_assert(Q6Layout::kBytes == 210 * kPackRows);

}  // namespace memwall::quant::kquant
