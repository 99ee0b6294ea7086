#pragma once
// AVX-512 kernels of the legacy family's 32-weight types (Q4_1, Q5_0, Q5_1), written once over a
// 4-byte dot-product policy `Dot` and instantiated in legacy_avx512vnni.cpp (vpdpbusd) and
// legacy_avx512bw.cpp (vpmaddubsw + vpmaddwd), as avx512_kernels.hpp is for the plain family.
// One zmm register holds one field of the 16 rows of a packed group, row r in 32-bit lane r.
//
// A Dot policy provides
//   template <int kMaxWeight, int N> static __m512i dot(const __m512i* w, const __m512i* a):
//       per lane, sum over m < N of the 4-byte dot products of the unsigned weight bytes w[m]
//       (each <= kMaxWeight) and the signed activation bytes a[m] (-127..127), exactly;
//   static __m512i dot16(__m512i acc, __m512i x, __m512i y): acc + per-lane sum of the two
//       products of signed 16-bit words (vpdpwssd).
// Everything is in an anonymous namespace, so the two instantiations never meet at link time.
#include <immintrin.h>

#include <cstring>
#include <type_traits>

#include "legacy_layout.hpp"
#include "memwall/quant/blocks.hpp"
#include "avx512_decode.hpp"
#include "avx512_loads.hpp"
#include "cache.hpp"
#include "narrow.hpp"
#include "tables.hpp"

namespace memwall::quant::kernels {
namespace {

constexpr int R = static_cast<int>(kPackRows);

// The u64 at p as a mask: bit 4r + i for byte i of lane r.
inline __mmask64 load_mask(const std::byte* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return _cvtu64_mask64(v);
}
inline __m512i byte_splat(int v) { return _mm512_set1_epi8(static_cast<char>(v)); }

// Runs a kernel over groups [row_begin, row_end) / 16: decode (one token) one or two groups at a
// time (for_decode_groups, cache.hpp); several tokens in tiles of kTile tokens that reuse each
// unpacked block. decode(integral_constant NG, g) and tile(integral_constant NT, g, t).
template <int kTile, int kDecodeGroups = 2, typename Decode, typename Tile>
void drive(const ActivationView& x, std::int64_t row_begin, std::int64_t row_end, Decode&& decode, Tile&& tile) {
  std::int64_t g = row_begin / R;
  const std::int64_t g_end = row_end / R;
  if (x.n_tokens == 1) return for_decode_groups<kDecodeGroups>(x, g, g_end, decode);
  for (; g < g_end; ++g) {
    std::int64_t t = 0;
    for (; t + kTile <= x.n_tokens; t += kTile) tile(std::integral_constant<int, kTile>{}, g, t);
    narrow<kTile - 1>(x.n_tokens - t, [&](auto nt) { tile(nt, g, t); });
  }
}

// ---------------------------------------------------------------------------------------------
// 32-weight blocks. A Format unpacks one block of a group into Weights, dots them with a token's
// 32 activations (the integer sum of q * a per row), and folds that into the float accumulator
// with the block's scales, offset and min. tile32 runs any Format.

// Activations of one 32-block of one token: its groups of 4 quants broadcast, its scale and sum.
struct Act32 {
  __m512i q[8];
  float d;
  std::int32_t sum;
};
inline Act32 act32(const ActivationView& x, std::int64_t t, std::int64_t b) {
  const std::int64_t i = t * (x.cols / kBlockSize) + b;
  Act32 a{{}, x.d[i], x.sums16[2 * i] + x.sums16[2 * i + 1]};
  for (int m = 0; m < 8; ++m) a.q[m] = broadcast4(x.q + i * kBlockSize + 4 * m);
  return a;
}

template <typename Dot, TensorType T>
struct Format32 {
  using L = legacy::Layout32<T>;
  static constexpr std::size_t kBytes = L::kBytes;

  // Register m holds the unsigned levels of weights 4m..4m+3 (Q4_0's nibble order, packed.hpp).
  struct Weights {
    __m512i q[8];
  };
  static Weights unpack(const std::byte* blk) {
    Weights w;
    const __m512i low = byte_splat(0x0F);
    for (int j = 0; j < 4; ++j) {
      const __m512i v = load512_once(blk + L::kNibbles + legacy::kChunk * j);
      w.q[2 * j] = _mm512_and_si512(v, low);
      w.q[2 * j + 1] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
    }
    if constexpr (L::kHighBits) {
      const __m512i bit4 = byte_splat(0x10);
      for (int m = 0; m < 8; ++m) {
        w.q[m] = _mm512_mask_add_epi8(w.q[m], load_mask(blk + L::kHigh + 8 * m), w.q[m], bit4);
      }
    }
    return w;
  }
  static __m512i dot(const Weights& w, const Act32& a) { return Dot::template dot<L::kMaxLevel, 8>(w.q, a.q); }
  // acc + d * da * (dot - offset * sum) [+ m * (da * sum)].
  static __m512 accumulate(__m512 acc, const std::byte* blk, __m512i dot, const Act32& a) {
    if constexpr (L::kOffset != 0) dot = _mm512_sub_epi32(dot, _mm512_set1_epi32(L::kOffset * a.sum));
    const __m512 scale = _mm512_mul_ps(load_f16x16(blk + L::kD), _mm512_set1_ps(a.d));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc);
    if constexpr (L::kMins) {
      acc = _mm512_fmadd_ps(load_f16x16(blk + L::kM), _mm512_set1_ps(a.d * static_cast<float>(a.sum)), acc);
    }
    return acc;
  }
};

// Decode: NG groups side by side (decode_groups), block by block.
template <typename F, int NG>
void decode32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t g,
              std::int64_t apart) {
  decode_groups<NG>(
      w, x, y, g, apart, w.cols / kBlockSize, F::kBytes, F::kBytes, [&](std::int64_t b) { return act32(x, 0, b); },
      [&](__m512 acc, const std::byte* blk, const Act32& a) { return F::accumulate(acc, blk, F::dot(F::unpack(blk), a), a); });
}

// NT tokens: each block unpacked once and dotted with the NT tokens of the tile. NG groups g, g +
// apart, ... go block by block; kStream: a few tokens read as decode reads (prefetch_tile_block,
// cache.hpp).
template <typename F, int NG, int NT, bool kStream>
void tile32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
            std::int64_t g, std::int64_t apart, std::int64_t t0) {
  const std::byte* group[NG];
  group_starts(w, g, apart, group);
  __m512 acc[NG * NT];
  for (auto& a : acc) a = _mm512_setzero_ps();
  for (std::int64_t b = 0; b < w.cols / kBlockSize; ++b) {
    for (int s = 0; s < NG; ++s) {
      const std::byte* blk = group[s] + static_cast<std::size_t>(b) * F::kBytes;
      prefetch_tile_block<kStream>(blk, F::kBytes, x);
      const typename F::Weights wq = F::unpack(blk);
      for (int t = 0; t < NT; ++t) {
        const Act32 a = act32(x, t0 + t, b);
        acc[s * NT + t] = F::accumulate(acc[s * NT + t], blk, F::dot(wq, a), a);
      }
    }
  }
  store_groups<NG, NT>(acc, y, ldy, g, apart, t0);
}

template <typename F>
void matmul32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t row_begin, std::int64_t row_end) {
  if (x.n_tokens > 1 && streams_tokens(x)) {
    for_decode_groups(x, row_begin / R, row_end / R, [&](auto ng, std::int64_t g, std::int64_t apart) {
      narrow<kStreamTokens>(x.n_tokens, [&](auto nt) { tile32<F, ng(), nt(), true>(w, x, y, ldy, g, apart, 0); });
    });
    return;
  }
  drive<8>(
      x, row_begin, row_end, [&](auto ng, std::int64_t g, std::int64_t apart) { decode32<F, ng()>(w, x, y, g, apart); },
      [&](auto nt, std::int64_t g, std::int64_t t) { tile32<F, 1, nt(), false>(w, x, y, ldy, g, 0, t); });
}

}  // namespace
}  // namespace memwall::quant::kernels
