// The kquant family's portable kernels: a plain, scalar reading of the packed layouts
// (pack_kquant.cpp), for CPUs without a SIMD table and as a second reading for the tests. Like the
// SIMD kernels, each super-block's sums are exact integers (the mins and Q6_K's offset 32 applied
// through the activation sums) turned to float once.
#include <cstdint>
#include <cstring>

#include "../kquant_packing.hpp"
#include "kquant_layout.hpp"
#include "memwall/quant/half.hpp"
#include "tables.hpp"

namespace memwall::quant::kernels {
namespace {

using kquant::kRows;
using kquant::Q45Layout;
using kquant::Q6Layout;

int byte_at(const std::byte* p, std::size_t offset) { return static_cast<int>(p[offset]); }

float f16_at(const std::byte* p, std::size_t offset) {
  std::uint16_t h;
  std::memcpy(&h, p + offset, 2);
  return f16_to_f32(h);
}

// Level (0..15 or 0..31) of row r, weight k (0..255) of a packed Q4_K or Q5_K super-block.
template <TensorType T>
int q45_level(const std::byte* sb, int r, int k) {
  using L = Q45Layout<T>;
  const int j = k / 32;
  const int byte = byte_at(sb, L::nibbles(j, (k % 32) / 8) + 4 * r + k % 4);
  int level = k % 8 < 4 ? byte & 15 : byte >> 4;
  if constexpr (L::kHighBits) {
    std::uint64_t bits;
    std::memcpy(&bits, sb + L::mask(j, (k % 32) / 4), 8);
    level |= static_cast<int>((bits >> (4 * r + k % 4)) & 1) << 4;
  }
  return level;
}

template <TensorType T>
detail::ScaleMin q45_scale_min(const std::byte* sb, int r, int j) {
  std::uint8_t packed[kKScaleBytes];
  for (int p = 0; p < kKScaleBytes; ++p) {
    packed[p] = static_cast<std::uint8_t>(byte_at(sb, Q45Layout<T>::kScales + 64 * (p / 4) + 4 * r + p % 4));
  }
  return detail::unpack_scale_min(packed, j);
}

// Row r's contribution of one super-block: da * (d * sum_j sc_j dot_j - dmin * sum_j m_j sum_j(a)).
template <TensorType T>
float q45_super_block(const std::byte* sb, int r, const std::int8_t* a, float da, const std::int32_t* sums16) {
  std::int32_t scaled = 0, mins = 0;
  for (int j = 0; j < 8; ++j) {
    const detail::ScaleMin sm = q45_scale_min<T>(sb, r, j);
    std::int32_t dot = 0;
    for (int k = 32 * j; k < 32 * j + 32; ++k) dot += q45_level<T>(sb, r, k) * a[k];
    scaled += sm.scale * dot;
    mins += sm.min * (sums16[2 * j] + sums16[2 * j + 1]);
  }
  return da * (f16_at(sb, Q45Layout<T>::kD + 2 * r) * static_cast<float>(scaled) -
               f16_at(sb, Q45Layout<T>::kDmin + 2 * r) * static_cast<float>(mins));
}

// Level (0..63) of row r, weight k of a packed Q6_K super-block: k-groups 0..2 of a sub-block are
// the low 6 bits of their chunk, k-group 3 the top bit pairs of the three.
int q6_level(const std::byte* sb, int r, int k) {
  const int s = k / 16, c = (k % 16) / 4, at = 4 * r + k % 4;
  if (c < 3) return byte_at(sb, Q6Layout::quants(s, c) + at) & 63;
  int level = 0;
  for (int p = 0; p < 3; ++p) level |= (byte_at(sb, Q6Layout::quants(s, p) + at) >> 6) << (2 * p);
  return level;
}

// da * d * sum_s sc_s (dot_s - 32 sum_s(a)).
float q6_super_block(const std::byte* sb, int r, const std::int8_t* a, float da, const std::int32_t* sums16) {
  std::int32_t scaled = 0;
  for (int s = 0; s < 16; ++s) {
    std::int32_t dot = -32 * sums16[s];
    for (int k = 16 * s; k < 16 * s + 16; ++k) dot += q6_level(sb, r, k) * a[k];
    scaled += static_cast<std::int8_t>(byte_at(sb, Q6Layout::kScales + 16 * s + r)) * dot;
  }
  return da * (f16_at(sb, Q6Layout::kD + 2 * r) * static_cast<float>(scaled));
}

using SuperBlockFn = float (*)(const std::byte* sb, int r, const std::int8_t* a, float da, const std::int32_t* sums16);

template <SuperBlockFn super_block>
void matmul_k(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t row_begin, std::int64_t row_end) {
  const std::int64_t n_super = w.cols / kSuperBlockSize;
  const std::size_t super_bytes = w.group_bytes() / static_cast<std::size_t>(n_super);
  for (std::int64_t g = row_begin / kRows; g < row_end / kRows; ++g) {
    const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
    for (std::int64_t t = 0; t < x.n_tokens; ++t) {
      float acc[kRows] = {};
      for (std::int64_t b = 0; b < n_super; ++b) {
        const std::int64_t i = t * n_super + b;  // activation block
        const std::byte* sb = group + static_cast<std::size_t>(b) * super_bytes;
        for (int r = 0; r < kRows; ++r) {
          acc[r] += super_block(sb, r, x.q + i * kSuperBlockSize, x.d[i], x.sums16 + 16 * i);
        }
      }
      for (int r = 0; r < kRows; ++r) y[t * ldy + g * kRows + r] = acc[r];
    }
  }
}

constexpr TypeKernel kTypes[] = {
    {TensorType::Q4_K, matmul_k<q45_super_block<TensorType::Q4_K>>},
    {TensorType::Q5_K, matmul_k<q45_super_block<TensorType::Q5_K>>},
    {TensorType::Q6_K, matmul_k<q6_super_block>},
};

}  // namespace

std::span<const TypeKernel> kquant_generic() { return kTypes; }

}  // namespace memwall::quant::kernels
