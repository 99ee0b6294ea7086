// Quantization of the K-quants: the search (kquant_search.cpp) picks the scales and levels, and
// this file packs them into each format's bytes. Q8_K, which quantizes activations on the fly,
// keeps the direct rule scale = max |x| / 127.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kquant_packing.hpp"
#include "kquant_search.hpp"
#include "memwall/quant/blocks.hpp"
#include "reference_rows.hpp"
#include "rounding.hpp"

namespace memwall::quant::ref {
namespace {

using detail::AffineSuperBlock;
using detail::SuperBlockShape;
using detail::SymmetricSuperBlock;

// Q2_K: 16 x 16 weights, levels 0..3, 4-bit scales and mins. One step of a 4-bit scale is a
// large change, so two integer steps are tried on each side of the ideal scale and min (0.5%
// less error than one step on N(0,1) data; for the 6- and 8-bit scales a second step gains
// under 0.6% for 2.8x the work).
constexpr SuperBlockShape kQ2Shape{16, 16, 0, 3, 0, 15, 15, 2};
// Q3_K: 16 x 16 weights, levels -4..3, signed 6-bit scales.
constexpr SuperBlockShape kQ3Shape{16, 16, -4, 3, -32, 31, 0, 1};
// Q4_K and Q5_K: 8 x 32 weights, levels 0..15 or 0..31, 6-bit scales and mins.
constexpr SuperBlockShape kQ4Shape{32, 8, 0, 15, 0, 63, 63, 1};
constexpr SuperBlockShape kQ5Shape{32, 8, 0, 31, 0, 63, 63, 1};
// Q6_K: 16 x 16 weights, levels -32..31, signed 8-bit scales.
constexpr SuperBlockShape kQ6Shape{16, 16, -32, 31, -128, 127, 0, 1};

// Q4_K and Q5_K: the low nibble of weight i in qs[32 * (i / 64) + i % 32], at bit 4 when
// (i / 32) is odd.
void pack_nibbles_k(const int* level, std::uint8_t* qs) {
  std::memset(qs, 0, kSuperBlockSize / 2);
  for (int i = 0; i < kSuperBlockSize; ++i) {
    qs[32 * (i / 64) + i % 32] |=
        static_cast<std::uint8_t>((level[i] & 0xF) << (4 * ((i / 32) % 2)));
  }
}

}  // namespace

void quantize_q2_k(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ2_K*>(y);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b, x += kSuperBlockSize) {
    AffineSuperBlock sb;
    detail::search_affine_super_block(x, kQ2Shape, &sb);
    out[b].d = sb.d;
    out[b].dmin = sb.dmin;
    for (int s = 0; s < 16; ++s)
      out[b].scales[s] = static_cast<std::uint8_t>(sb.scale[s] | (sb.min[s] << 4));
    detail::pack_two_bit_fields(sb.level, out[b].qs);
  }
}

void quantize_q3_k(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ3_K*>(y);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b, x += kSuperBlockSize) {
    SymmetricSuperBlock sb;
    detail::search_symmetric_super_block(x, kQ3Shape, &sb);
    out[b].d = sb.d;
    int biased_scale[16];
    for (int s = 0; s < 16; ++s) biased_scale[s] = sb.scale[s] + 32;
    detail::pack_q3_scales(biased_scale, out[b].scales);
    // Level + 4 in 0..7: its low 2 bits in qs, its bit 2 in hmask.
    int low_bits[kSuperBlockSize];
    std::memset(out[b].hmask, 0, sizeof out[b].hmask);
    for (int i = 0; i < kSuperBlockSize; ++i) {
      const int biased = sb.level[i] + 4;
      low_bits[i] = biased & 3;
      out[b].hmask[i % 32] |= static_cast<std::uint8_t>((biased >> 2) << (i / 32));
    }
    detail::pack_two_bit_fields(low_bits, out[b].qs);
  }
}

void quantize_q4_k(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ4_K*>(y);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b, x += kSuperBlockSize) {
    AffineSuperBlock sb;
    detail::search_affine_super_block(x, kQ4Shape, &sb);
    out[b].d = sb.d;
    out[b].dmin = sb.dmin;
    detail::pack_scale_mins(sb.scale, sb.min, out[b].scales);
    pack_nibbles_k(sb.level, out[b].qs);
  }
}

void quantize_q5_k(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ5_K*>(y);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b, x += kSuperBlockSize) {
    AffineSuperBlock sb;
    detail::search_affine_super_block(x, kQ5Shape, &sb);
    out[b].d = sb.d;
    out[b].dmin = sb.dmin;
    detail::pack_scale_mins(sb.scale, sb.min, out[b].scales);
    pack_nibbles_k(sb.level, out[b].qs);
    // Bit 4 of weight i goes to qh[i % 32], at bit i / 32 (its sub-block).
    std::memset(out[b].qh, 0, sizeof out[b].qh);
    for (int i = 0; i < kSuperBlockSize; ++i) {
      out[b].qh[i % 32] |= static_cast<std::uint8_t>(((sb.level[i] >> 4) & 1) << (i / 32));
    }
  }
}

void quantize_q6_k(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ6_K*>(y);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b, x += kSuperBlockSize) {
    SymmetricSuperBlock sb;
    detail::search_symmetric_super_block(x, kQ6Shape, &sb);
    out[b].d = sb.d;
    for (int s = 0; s < 16; ++s) out[b].scales[s] = static_cast<std::int8_t>(sb.scale[s]);
    std::memset(out[b].ql, 0, sizeof out[b].ql);
    std::memset(out[b].qh, 0, sizeof out[b].qh);
    // Weight i is lane l of quarter k of half h; see BlockQ6_K.
    for (int i = 0; i < kSuperBlockSize; ++i) {
      const int biased = sb.level[i] + 32;
      const int h = i / 128, k = (i % 128) / 32, l = i % 32;
      out[b].ql[64 * h + 32 * (k % 2) + l] |=
          static_cast<std::uint8_t>((biased & 0xF) << (4 * (k / 2)));
      out[b].qh[32 * h + l] |= static_cast<std::uint8_t>((biased >> 4) << (2 * k));
    }
  }
}

void quantize_q8_k(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ8_K*>(y);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b, x += kSuperBlockSize) {
    float amax = 0;
    for (int i = 0; i < kSuperBlockSize; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float d = amax / 127.0f;
    const float inverse_d = d != 0.0f ? 1.0f / d : 0.0f;
    out[b].d = d;
    // Levels in [-127, 127], as for Q8_0; bsums let the K-quant dot products apply the mins of
    // the weights from one sum per 16 activations.
    for (int g = 0; g < kSuperBlockSize / 16; ++g) {
      int sum = 0;
      for (int i = 16 * g; i < 16 * g + 16; ++i) {
        const int level = detail::round_clamped(x[i] * inverse_d, -127, 127);
        out[b].qs[i] = static_cast<std::int8_t>(level);
        sum += level;
      }
      out[b].bsums[g] = static_cast<std::int16_t>(sum);
    }
  }
}

}  // namespace memwall::quant::ref
