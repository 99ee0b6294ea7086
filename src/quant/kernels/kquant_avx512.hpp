#pragma once
// AVX-512 kernels of the K-quants over the packed layouts (pack_kquant.cpp), written once over the
// dot-product policy `Dot` and instantiated in two files: with VNNI's vpdpbusd, and with
// AVX512BW's vpmaddubsw + vpmaddwd. Everything sits in an anonymous namespace so the two
// instantiations never meet at link time. One zmm register holds the 16 rows of a packed group,
// one row per 32-bit lane, from the first super-block to the last.
//
// Per super-block and row, the integer dot product of each sub-block is multiplied by its integer
// scale and summed in 32 bits (exact: at most 8 x 63 x 32 x 31 x 127 for Q5_K, 16 x 128 x 16 x 32
// x 127 for Q6_K); the mins and Q6_K's offset 32 come off through the activations' sums of 16, so
// no weight is touched twice. The float accumulator is updated once per super-block, by the same
// operations whatever the number of tokens: a token's result does not depend on the batch.
#include <immintrin.h>

#include <cstring>

#include "kquant_layout.hpp"
#include "memwall/quant/blocks.hpp"
#include "avx512_decode.hpp"
#include "avx512_loads.hpp"
#include "cache.hpp"
#include "narrow.hpp"
#include "shuffle.hpp"
#include "tables.hpp"

namespace memwall::quant::kernels {
namespace {

using kquant::kRows;
using kquant::Q45Layout;
using kquant::Q6Layout;

[[gnu::always_inline]] inline __mmask64 load_mask64(const std::byte* p) {
  std::uint64_t bits;
  std::memcpy(&bits, p, 8);
  return _cvtu64_mask64(bits);
}
// Bitwise mask ? x : y.
[[gnu::always_inline]] inline __m512i select(__m512i mask, __m512i x, __m512i y) { return _mm512_ternarylogic_epi32(mask, x, y, 0xCA); }
// A vpshufb control taking, in every 32-bit lane, that lane's bytes b0..b3 (-1: a zero byte). A
// constant expression, so that it never costs a call: GCC gave up inlining it once the file grew.
constexpr __m512i lane_bytes(int b0, int b1, int b2, int b3) {
  const auto [low, high] = lane_bytes_128(b0, b1, b2, b3);
  return __m512i{low, high, low, high, low, high, low, high};
}

// What one token brings to one super-block: 256 quants, their scale, their 16 sums of 16.
struct Act {
  const std::int8_t* q;
  float d;
  const std::int32_t* sums16;
};
[[gnu::always_inline]] inline Act act_of(const ActivationView& x, std::int64_t t, std::int64_t b) {
  const std::int64_t i = t * (x.cols / kSuperBlockSize) + b;
  return {x.q + i * kSuperBlockSize, x.d[i], x.sums16 + 16 * i};
}

// Decode (NT = 1) asks for a super-block part by part, as it reads each part, rather than all of it
// as the block starts: a super-block of 16 rows is 2.3-3.4 KiB, and its 36-53 requests at once left
// DRAM idle while the sub-blocks were computed. matmul_bench decode_cores on the Intel core,
// alternated rounds: Q6_K 27.9-28.7 -> 31.8-32.0 GB/s, Q5_K 24.8-27.2 -> 28.9-30.6, and Q4_K, with
// two groups side by side, 22.9-24.8 -> 24.7-26.1 against a read of 31.7 (from L2 145 -> 167-170 GOPS).
// The two groups then take turns sub-block by sub-block (256 B of Q4_K, 192 B of Q6_K) rather than
// super-block by super-block (2.3, 3.4 KiB), so both streams stay busy, as the probe's two-stream read
// does in turns of 512 B: decode_cores on 1 GiB matrices, three alternated rounds, Q4_K 28.7-29.3 ->
// 31.1-31.6 GB/s, Q6_K 31.5-31.7 -> 33.7-34.2, Q5_K unchanged at 29.7-30.3.
template <bool kStream>
inline void prefetch_part(const std::byte* part, std::size_t bytes, const ActivationView& x) {
  if constexpr (kStream) prefetch_decode(part, bytes, x.decode_prefetch_bytes);
}

// ---------------------------------------------------------------------------------------------
// Q4_K and Q5_K: x = d * sc_j * q - dmin * m_j over 8 sub-blocks j of 32 weights.

// The scales of the 16 rows as bytes, one row per lane: bytes 0..3 of `low` are sc_0..sc_3, of
// `high` sc_4..sc_7 (each 0..63). Chunks a, b, c hold the file's scale bytes 0-3, 4-7, 8-11.
struct Scales {
  __m512i low, high;
};
[[gnu::always_inline]] inline Scales unpack_scales(const std::byte* p) {
  const __m512i a = load512(p), c = load512(p + 128);
  const __m512i low6 = _mm512_set1_epi8(63), low4 = _mm512_set1_epi8(15);
  // sc_4..7: low 4 bits from the low nibbles of c, high 2 bits from the top of a; the 16-bit
  // shift drags a neighbour's bits into bits 6-7, cleared by the AND.
  const __m512i high = _mm512_and_si512(select(low4, c, _mm512_srli_epi16(a, 2)), low6);
  return {_mm512_and_si512(a, low6), high};
}
// Scale j of the 16 rows as 32-bit lanes.
[[gnu::always_inline]] inline __m512i scale_of(const Scales& s, int j) {
  return _mm512_shuffle_epi8(j < 4 ? s.low : s.high, lane_bytes(j % 4, -1, -1, -1));
}

// sum_j m_j * (sum of the token's quants in sub-block j), per row: the mins as 16-bit pairs
// (m_2i, m_2i+1) against the sub-block sums as pairs, 4 two-word dot products.
template <typename Dot>
[[gnu::always_inline]] inline __m512i min_sums(const std::byte* scales, const std::int32_t* sums16) {
  const __m512i b = load512(scales + 64), c = load512(scales + 128);
  const __m512i low6 = _mm512_set1_epi8(63), low4 = _mm512_set1_epi8(15);
  // m_0..3 in the low 6 bits of b; m_4..7 with low 4 bits in the high nibbles of c and high 2
  // bits on top of b.
  const __m512i low = _mm512_and_si512(b, low6);
  const __m512i high = _mm512_and_si512(select(low4, _mm512_srli_epi16(c, 4), _mm512_srli_epi16(b, 2)), low6);
  // The sums of the 8 sub-blocks, |sum| <= 32 x 127, as 16-bit pairs.
  const __m256i sums = _mm256_madd_epi16(_mm512_cvtepi32_epi16(_mm512_loadu_si512(sums16)), _mm256_set1_epi16(1));
  alignas(16) std::int32_t pairs[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(pairs), _mm256_cvtepi32_epi16(sums));
  __m512i acc = _mm512_setzero_si512();
  acc = Dot::dot2x16(acc, _mm512_shuffle_epi8(low, lane_bytes(0, -1, 1, -1)), _mm512_set1_epi32(pairs[0]));
  acc = Dot::dot2x16(acc, _mm512_shuffle_epi8(low, lane_bytes(2, -1, 3, -1)), _mm512_set1_epi32(pairs[1]));
  acc = Dot::dot2x16(acc, _mm512_shuffle_epi8(high, lane_bytes(0, -1, 1, -1)), _mm512_set1_epi32(pairs[2]));
  return Dot::dot2x16(acc, _mm512_shuffle_epi8(high, lane_bytes(2, -1, 3, -1)), _mm512_set1_epi32(pairs[3]));
}

template <typename Dot, TensorType T>
struct Q45SubBlock {
  using L = Q45Layout<T>;
  // With a dot product exact for any weight byte, Q4_K's high nibbles stay in place (16 x their
  // value): one AND instead of a shift and an AND, and one shift per sub-block to undo it.
  static constexpr bool kHighTimes16 = Dot::kFullByteRange && !L::kHighBits;

  // Register 2i holds the low nibbles of k-group i (weights 8i..8i+3), 2i+1 the high ones.
  [[gnu::always_inline]] static void unpack(const std::byte* sb, int j, __m512i w[8]) {
    const __m512i low4 = _mm512_set1_epi8(15), bit4 = _mm512_set1_epi8(16);
    for (int i = 0; i < 4; ++i) {
      // Q4_K's nibbles are loaded once and kept (decode from DRAM, one thread: 85-92 against 52-74
      // GOPS with the load folded into both uses); Q5_K's fold (70-73 against 75-79 kept).
      const __m512i v = L::kHighBits ? load512(sb + L::nibbles(j, i)) : load512_once(sb + L::nibbles(j, i));
      w[2 * i] = _mm512_and_si512(v, low4);
      w[2 * i + 1] = kHighTimes16 ? _mm512_andnot_si512(low4, v) : _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
      if constexpr (L::kHighBits) {
        w[2 * i] = _mm512_mask_add_epi8(w[2 * i], load_mask64(sb + L::mask(j, 2 * i)), w[2 * i], bit4);
        w[2 * i + 1] = _mm512_mask_add_epi8(w[2 * i + 1], load_mask64(sb + L::mask(j, 2 * i + 1)), w[2 * i + 1], bit4);
      }
    }
  }
  // The sub-block's dot product with activations a[0..31], two chains.
  [[gnu::always_inline]] static __m512i dot(const __m512i w[8], const std::int8_t* a) {
    __m512i low = _mm512_setzero_si512(), high = _mm512_setzero_si512();
    for (int i = 0; i < 4; ++i) {
      low = Dot::dot4(low, w[2 * i], broadcast4(a + 8 * i));
      high = Dot::dot4(high, w[2 * i + 1], broadcast4(a + 8 * i + 4));
    }
    return _mm512_add_epi32(low, kHighTimes16 ? _mm512_srai_epi32(high, 4) : high);
  }
};

// acc += da * (d * scaled - dmin * mins), the one float step of a super-block.
[[gnu::always_inline]] inline __m512 finish_q45(__m512 acc, __m512i scaled, __m512i mins, const std::byte* d, const std::byte* dmin, float da) {
  const __m512 d_da = _mm512_mul_ps(load_f16x16(d), _mm512_set1_ps(da));
  const __m512 dmin_da = _mm512_mul_ps(load_f16x16(dmin), _mm512_set1_ps(da));
  acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(scaled), d_da, acc);
  return _mm512_fnmadd_ps(_mm512_cvtepi32_ps(mins), dmin_da, acc);
}

// NT tokens of group g: each sub-block's weights are unpacked once into 8 registers and reused for
// the NT tokens, whose dot chains run side by side. With NT = 1 (decode) the 8 sub-blocks still
// give 16 independent chains, enough to hide the dot products' latency.
template <typename Dot, TensorType T>
struct Q45Kernel {
  using L = Q45Layout<T>;
  using B = Q45SubBlock<Dot, T>;

  static constexpr std::size_t kBytes = L::kBytes;
  static constexpr int kDecodeGroups = 2;  // cache.hpp

  // acc[s * NT + t] += super-block b of group s (at sb[s]) dotted with token t0 + t, for s < NG and
  // t < NT. Several groups (decode) take turns sub-block by sub-block.
  template <int NG, int NT, bool kStream>
  [[gnu::always_inline]] static void add_block(const std::byte* const* sb, const ActivationView& x, std::int64_t b,
                                               std::int64_t t0, __m512* acc) {
    Scales scales[NG];
    __m512i scaled[NG][NT];
    for (int s = 0; s < NG; ++s) {
      prefetch_part<kStream>(sb[s], L::kSubBlocks, x);
      scales[s] = unpack_scales(sb[s] + L::kScales);
      for (auto& v : scaled[s]) v = _mm512_setzero_si512();
    }
    // Unrolled, so that each sub-block's scale shuffle is a constant.
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      for (int s = 0; s < NG; ++s) {
        __m512i wq[8];
        prefetch_part<kStream>(sb[s] + L::sub_block(j), L::kSubBlockBytes, x);
        B::unpack(sb[s], j, wq);
        const __m512i sc = scale_of(scales[s], j);
        for (int t = 0; t < NT; ++t) {
          const std::int8_t* a = x.q + (t0 + t) * x.cols + b * kSuperBlockSize + 32 * j;
          scaled[s][t] = _mm512_add_epi32(scaled[s][t], _mm512_mullo_epi32(B::dot(wq, a), sc));
        }
      }
    }
    for (int s = 0; s < NG; ++s) {
      for (int t = 0; t < NT; ++t) {
        const Act act = act_of(x, t0 + t, b);
        const __m512i mins = min_sums<Dot>(sb[s] + L::kScales, act.sums16);
        acc[s * NT + t] = finish_q45(acc[s * NT + t], scaled[s][t], mins, sb[s] + L::kD, sb[s] + L::kDmin, act.d);
      }
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Q6_K: x = d * sc_s * (q - 32) over 16 sub-blocks s of 16 weights, sc_s a signed byte.

template <typename Dot>
struct Q6SubBlock {
  // Register c < 3 is chunk c's low 6 bits; register 3 gathers the chunks' top bit pairs. Chunk
  // 2's stay in place, chunk 1's move to bits 4-5 and chunk 0's to 2-3, which puts register 3's
  // levels, times 4, in bits 2-7; 16-bit shifts drag a neighbour byte's bits in below, which the
  // selects and the final AND keep out.
  [[gnu::always_inline]] static void unpack(const std::byte* sb, int s, __m512i w[4]) {
    const __m512i low6 = _mm512_set1_epi8(63);
    const __m512i c0 = load512(sb + Q6Layout::quants(s, 0)), c1 = load512(sb + Q6Layout::quants(s, 1)),
                  c2 = load512(sb + Q6Layout::quants(s, 2));
    w[0] = _mm512_and_si512(c0, low6);
    w[1] = _mm512_and_si512(c1, low6);
    w[2] = _mm512_and_si512(c2, low6);
    const __m512i top4 = select(_mm512_set1_epi8(static_cast<char>(0xC0)), c2, _mm512_srli_epi16(c1, 2));
    const __m512i top6 = select(_mm512_set1_epi8(static_cast<char>(0xF0)), top4, _mm512_srli_epi16(c0, 4));
    w[3] = _mm512_and_si512(_mm512_srli_epi16(top6, 2), low6);
  }
  // init + the sub-block's dot product with activations a[0..15].
  [[gnu::always_inline]] static __m512i dot(const __m512i w[4], const std::int8_t* a, __m512i init) {
    __m512i acc = init;
    for (int c = 0; c < 4; ++c) acc = Dot::dot4(acc, w[c], broadcast4(a + 4 * c));
    return acc;
  }
};

template <typename Dot>
struct Q6Kernel {
  using B = Q6SubBlock<Dot>;

  static constexpr std::size_t kBytes = Q6Layout::kBytes;
  static constexpr int kDecodeGroups = 2;

  // acc[s * NT + t] += super-block b of group s (at sb[s]) dotted with token t0 + t, for s < NG and
  // t < NT. Several groups (decode) take turns sub-block by sub-block.
  template <int NG, int NT, bool kStream>
  [[gnu::always_inline]] static void add_block(const std::byte* const* sb, const ActivationView& x, std::int64_t b,
                                               std::int64_t t0, __m512* acc) {
    __m512i scaled[NG][NT];
    for (int s = 0; s < NG; ++s) {
      prefetch_part<kStream>(sb[s], Q6Layout::kQuants, x);
      for (auto& v : scaled[s]) v = _mm512_setzero_si512();
    }
    for (int sub = 0; sub < 16; ++sub) {
      for (int s = 0; s < NG; ++s) {
        __m512i wq[4];
        prefetch_part<kStream>(sb[s] + Q6Layout::quants(sub, 0), Q6Layout::kSubBlockBytes, x);
        B::unpack(sb[s], sub, wq);
        const __m512i sc = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sb[s] + Q6Layout::kScales + 16 * sub)));
        for (int t = 0; t < NT; ++t) {
          const Act act = act_of(x, t0 + t, b);
          // The offset 32 of the levels, as the chain's start: -32 x the sub-block's activations.
          const __m512i dot = B::dot(wq, act.q + 16 * sub, _mm512_set1_epi32(-32 * act.sums16[sub]));
          scaled[s][t] = _mm512_add_epi32(scaled[s][t], _mm512_mullo_epi32(dot, sc));
        }
      }
    }
    for (int s = 0; s < NG; ++s) {
      for (int t = 0; t < NT; ++t) {
        const Act act = act_of(x, t0 + t, b);
        const __m512 d_da = _mm512_mul_ps(load_f16x16(sb[s] + Q6Layout::kD), _mm512_set1_ps(act.d));
        acc[s * NT + t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(scaled[s][t]), d_da, acc[s * NT + t]);
      }
    }
  }
};

// ---------------------------------------------------------------------------------------------

// NT tokens of NG groups g, g + apart, ..., super-block by super-block (Kernel::add_block), each
// sub-block's weights unpacked once for the NT tokens. kStream: one token or a few, read as decode
// reads (the groups side by side, taking turns sub-block by sub-block, each part asked for as it is
// read); otherwise a tile of one group, each super-block asked for kTilePrefetchBytes ahead.
template <typename Kernel, int NG, int NT, bool kStream>
void blocks_k(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy, std::int64_t g,
              std::int64_t apart, std::int64_t t0) {
  const std::byte* group[NG];
  group_starts(w, g, apart, group);
  __m512 acc[NG * NT];
  for (auto& a : acc) a = _mm512_setzero_ps();
  for (std::int64_t b = 0; b < w.cols / kSuperBlockSize; ++b) {
    const std::byte* sb[NG];
    for (int s = 0; s < NG; ++s) {
      sb[s] = group[s] + static_cast<std::size_t>(b) * Kernel::kBytes;
      if constexpr (!kStream) prefetch_ahead(sb[s], Kernel::kBytes);
    }
    Kernel::template add_block<NG, NT, kStream>(sb, x, b, t0, acc);
  }
  store_groups<NG, NT>(acc, y, ldy, g, apart, t0);
}

// One token, or up to kStreamTokens where the CPU takes a decode distance, as decode streams;
// more tokens group by group, in tiles of 8 and one narrower.
template <typename Kernel>
void matmul_k(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t row_begin, std::int64_t row_end) {
  if (x.n_tokens == 1 || streams_tokens(x)) {
    for_decode_groups<Kernel::kDecodeGroups>(x, row_begin / kRows, row_end / kRows, [&](auto ng, std::int64_t g, std::int64_t apart) {
      narrow<kStreamTokens>(x.n_tokens, [&](auto nt) { blocks_k<Kernel, ng(), nt(), true>(w, x, y, ldy, g, apart, 0); });
    });
    return;
  }
  for (std::int64_t g = row_begin / kRows; g < row_end / kRows; ++g) {
    std::int64_t t = 0;
    for (; t + 8 <= x.n_tokens; t += 8) blocks_k<Kernel, 1, 8, false>(w, x, y, ldy, g, 0, t);
    narrow<7>(x.n_tokens - t, [&](auto nt) { blocks_k<Kernel, 1, nt(), false>(w, x, y, ldy, g, 0, t); });
  }
}

template <typename Dot>
constexpr TypeKernel kKQuantTypes[] = {
    {TensorType::Q4_K, matmul_k<Q45Kernel<Dot, TensorType::Q4_K>>},
    {TensorType::Q5_K, matmul_k<Q45Kernel<Dot, TensorType::Q5_K>>},
    {TensorType::Q6_K, matmul_k<Q6Kernel<Dot>>},
};

}  // namespace
}  // namespace memwall::quant::kernels
