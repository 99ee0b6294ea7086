#pragma once
// AVX2 + FMA building blocks shared by the avx2 kernel files (matmul_avx2.cpp, kquant_avx2.cpp,
// legacy_avx2.cpp), and the two drivers that run a block format over a matrix. A ymm register holds
// 8 of a packed group's 16 rows (a "half": rows 8h..8h+7, bytes 32h..32h+31 of every 64-byte chunk
// of 16 rows x 4 bytes), one row per 32-bit lane, so every group is done as two halves.
// Everything sits in an anonymous namespace: the files compiled with these flags only.
#include <immintrin.h>

#include <cstring>
#include <type_traits>
#include <utility>

#include "memwall/quant/blocks.hpp"
#include "cache.hpp"
#include "narrow.hpp"
#include "shuffle.hpp"
#include "tables.hpp"

namespace memwall::quant::kernels {
namespace {

constexpr int R = static_cast<int>(kPackRows);
constexpr int H = 8;  // rows per half group

inline __m256 load_f16x8(const std::byte* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256i load256(const std::byte* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline std::int32_t load_i32(const void* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline __m256i broadcast4(const std::int8_t* p) { return _mm256_set1_epi32(load_i32(p)); }
inline __m256i byte_splat(int v) { return _mm256_set1_epi8(static_cast<char>(v)); }

// A vpshufb control taking, in every 32-bit lane, that lane's bytes b0..b3 (-1: a zero byte).
constexpr __m256i lane_bytes(int b0, int b1, int b2, int b3) {
  const auto [low, high] = lane_bytes_128(b0, b1, b2, b3);
  return __m256i{low, high, low, high};
}
// Two 16-bit words as one 32-bit lane, for vpmaddwd against pairs of words.
inline std::int32_t word_pair(std::int32_t lo, std::int32_t hi) {
  return static_cast<std::int32_t>((static_cast<std::uint32_t>(lo) & 0xFFFF) | static_cast<std::uint32_t>(hi) << 16);
}

// The 32 bits of a packed high-bit word that belong to half h (bit 4r + i: byte i of row r, the
// byte order of a register) as bytes: `value` where the bit is set, else 0. The AVX-512 kernels
// take the word as a byte mask; here vpshufb copies byte k / 8 of the bits to byte k, the AND keeps
// bit k % 8 of it, and vpsignb turns that into `value` (the bytes whose bit is bit 7 read
// negative, so their constant is -value).
[[gnu::always_inline]] inline __m256i expand_bits(const std::byte* word, int h, int value) {
  const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(load_i32(word + 4 * h)),
                                             _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                                               0x0101010101010101, 0));
  const __m256i bit = _mm256_and_si256(spread, _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201)));
  const auto v = static_cast<std::uint64_t>(value & 0xFF), minus = static_cast<std::uint64_t>(-value & 0xFF);
  return _mm256_sign_epi8(_mm256_set1_epi64x(static_cast<long long>(v * 0x0001010101010101 | minus << 56)), bit);
}

// Per lane: sum over m < N of the 4-byte dot products of the unsigned weight bytes w[m] (each at
// most kMax) and the activations a[4m..4m+3] (-127..127), times the 16-bit scale that `scale16`
// holds in both words of the lane, in 32 bits, exactly. vpmaddubsw's pair sums are at most
// 2 x kMax x 127, so kRun of them add up in 16 bits without saturating before vpmaddwd widens
// them and applies the scale. Two chains take the products as they come: short dependencies, and
// few registers live beside the weights.
template <int kMax, int N>
[[gnu::always_inline]] inline __m256i dot_scaled(const __m256i* w, const std::int8_t* a, __m256i scale16) {
  constexpr int kFit = 32767 / (2 * kMax * 127);
  static_assert(kFit >= 1, "vpmaddubsw would saturate");
  constexpr int kRun = kFit >= 8 && N >= 8 ? 8 : kFit >= 4 && N >= 4 ? 4 : kFit >= 2 && N >= 2 ? 2 : 1;
  static_assert(N % kRun == 0);
  const auto product = [&](int m) { return _mm256_maddubs_epi16(w[m], broadcast4(a + 4 * m)); };
  __m256i out = _mm256_setzero_si256();
  for (int m0 = 0; m0 < N; m0 += kRun) {
    __m256i pairs = product(m0);
    if constexpr (kRun > 1) {
      __m256i odd = product(m0 + 1);
      for (int m = m0 + 2; m < m0 + kRun; m += 2) {
        pairs = _mm256_add_epi16(pairs, product(m));
        odd = _mm256_add_epi16(odd, product(m + 1));
      }
      pairs = _mm256_add_epi16(pairs, odd);
    }
    const __m256i scaled = _mm256_madd_epi16(pairs, scale16);
    out = m0 == 0 ? scaled : _mm256_add_epi32(out, scaled);
  }
  return out;
}

// The same pointer, opaque to the compiler: loads through it are not merged with earlier ones. The
// decode driver gives each half its own view of the activations, so that a unit's broadcasts are
// loaded again for each half (loads are cheap) rather than held in registers the unpacked weights
// need.
template <typename T>
[[gnu::always_inline]] inline const T* opaque(const T* p) {
  asm volatile("" : "+r"(p));
  return p;
}

// acc + v, kept in order: left alone, GCC reassociates the units' additions into a tree, which
// holds every unit's product live at once and spills them.
[[gnu::always_inline]] inline __m256i add_in_order(__m256i acc, __m256i v) {
  acc = _mm256_add_epi32(acc, v);
  asm("" : "+x"(acc));
  return acc;
}

// Calls fn(std::integral_constant<int, u>{}) for u = 0..N-1: the units of a block, each with its
// constant offsets and shuffles.
template <int N, typename Fn>
[[gnu::always_inline]] inline void for_units(Fn&& fn) {
  [&]<int... u>(std::integer_sequence<int, u...>) __attribute__((always_inline)) {
    (fn(std::integral_constant<int, u>{}), ...);
  }(std::make_integer_sequence<int, N>{});
}

// ---------------------------------------------------------------------------------------------
// The drivers. A Format describes one packed type, for one half of a group at a time:
//   kBlock              weights of a row per block (the activation block: 32 or 256)
//   kBytes              bytes of one block of the 16-row group
//   kUnits              the units a block is done in (sub-blocks), unpacked one at a time
//   kTile               tokens per tile when there are several
//   kDecodePrefetch     whether decode asks for the weights ahead (cache.hpp): the arithmetic-heavy
//                       formats only; the lighter ones read faster with the hardware prefetcher alone
//   kCpuPrefetch        how decode asks for the weights instead where the CPU has a distance
//                       (ActivationView::decode_prefetch_bytes): CpuPrefetch
//   kDecodeGroups       groups decode reads side by side there (1 or 2, for_decode_groups in cache.hpp)
//   Head head(blk, h)   the half's per-block weight state (scales) used through the units
//   Tok token(act)      what a token's activations bring to a block besides the quants
//   Unit unpack<u>(blk, h, head)     unit u's weights of the half, and its scale
//   __m256i dot<u>(unit, q, tok)     unit u's integer contribution for the token (q: its quants)
//   __m256 finish(acc, blk, h, head, sum, tok)   the block's one float step
// The integer sums of a block are exact, and the float step is the same whoever calls it: a
// token's result does not depend on the batch it came in. A Format's functions are forced inline:
// out of line, GCC gives up on the unrolled units and passes the unpacked registers through memory.

// Where the CPU has a decode distance: nothing; a block's bytes all as it starts; or unit by unit,
// kBytes / kUnits as each unit starts. A super-block of 16 rows is 1.3-3.4 KiB, and its requests all
// at once leave DRAM idle while its units are computed: matmul_bench decode_cores on the Intel core,
// two alternated rounds, Q4_K 28.4-30.6 -> 31.2-32.6 GB/s, Q5_K 26.6-27.2 -> 28.8-29.6, Q6_K (which
// asked for nothing) 28.3-28.4 -> 30.7-31.7; Q3_K was slower unit by unit (21.8-22.3 -> 19.5-21.5),
// Q2_K within noise.
enum class CpuPrefetch { none, block, units };

// One token's view of block b: its quants, scale and sums of 16.
struct Act {
  const std::int8_t* q;
  float d;
  const std::int32_t* sums16;
};
template <int kBlock>
inline Act act_of(const ActivationView& x, std::int64_t t, std::int64_t b) {
  const std::int64_t i = t * (x.cols / kBlock) + b;
  return {x.q + i * kBlock, x.d[i], x.sums16 + i * (kBlock / 16)};
}

// Decode: one token, NG groups side by side (cache.hpp), each group's two halves two independent
// chains, unit by unit, each unit's weights unpacked right where they are consumed and dotted with
// activations loaded through opaque().
template <typename F, int NG>
[[gnu::noinline]] void decode(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t g,
                              std::int64_t apart) {
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  // Out of the loop: group_bytes() is a call, which would spill the accumulators every block.
  const std::size_t apart_bytes = static_cast<std::size_t>(apart) * w.group_bytes();
  __m256 acc[NG][2];
  for (auto& pair : acc) for (auto& a : pair) a = _mm256_setzero_ps();
  for (std::int64_t b = 0; b < w.cols / F::kBlock; ++b) {
    const Act act = act_of<F::kBlock>(x, 0, b);
    const typename F::Tok tok = F::token(act);
    for (int s = 0; s < NG; ++s) {
      const std::byte* blk = group + s * apart_bytes + static_cast<std::size_t>(b) * F::kBytes;
      if (F::kCpuPrefetch != CpuPrefetch::none && x.decode_prefetch_bytes) {
        if (F::kCpuPrefetch == CpuPrefetch::block) prefetch_decode(blk, F::kBytes, x.decode_prefetch_bytes);
      } else if constexpr (F::kDecodePrefetch) {
        prefetch_ahead(blk, F::kBytes);
      }
      const typename F::Head head[2] = {F::head(blk, 0), F::head(blk, 1)};
      __m256i sum[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
      for_units<F::kUnits>([&](auto u) __attribute__((always_inline)) {
        if constexpr (F::kCpuPrefetch == CpuPrefetch::units) {
          constexpr std::size_t part = F::kBytes / F::kUnits;
          prefetch_decode(blk + u() * part, part, x.decode_prefetch_bytes);
        }
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
          const typename F::Unit unit = F::template unpack<u()>(blk, h, head[h]);
          sum[h] = add_in_order(sum[h], F::template dot<u()>(unit, opaque(act.q), tok));
        }
      });
      for (int h = 0; h < 2; ++h) acc[s][h] = F::finish(acc[s][h], blk, h, head[h], sum[h], tok);
    }
  }
  for (int s = 0; s < NG; ++s) {
    for (int h = 0; h < 2; ++h) _mm256_storeu_ps(y + (g + s * apart) * R + H * h, acc[s][h]);
  }
}

// Several tokens: half h of group g for NT tokens; each unit's weights are unpacked once and
// reused for the NT tokens, whose chains run side by side.
template <typename F, int NT>
[[gnu::noinline]] void tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy, std::int64_t g,
                            int h, std::int64_t t0) {
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  __m256 acc[NT];
  for (auto& a : acc) a = _mm256_setzero_ps();
  for (std::int64_t b = 0; b < w.cols / F::kBlock; ++b) {
    const std::byte* blk = group + static_cast<std::size_t>(b) * F::kBytes;
    if (h == 0) prefetch_ahead(blk, F::kBytes);  // the second half finds the group in cache
    const typename F::Head head = F::head(blk, h);
    Act act[NT];
    typename F::Tok tok[NT];
    __m256i sum[NT];
    for (int t = 0; t < NT; ++t) {
      act[t] = act_of<F::kBlock>(x, t0 + t, b);
      tok[t] = F::token(act[t]);
      sum[t] = _mm256_setzero_si256();
    }
    for_units<F::kUnits>([&](auto u) __attribute__((always_inline)) {
      const typename F::Unit unit = F::template unpack<u()>(blk, h, head);
      for (int t = 0; t < NT; ++t) sum[t] = add_in_order(sum[t], F::template dot<u()>(unit, act[t].q, tok[t]));
    });
    for (int t = 0; t < NT; ++t) acc[t] = F::finish(acc[t], blk, h, head, sum[t], tok[t]);
  }
  for (int t = 0; t < NT; ++t) _mm256_storeu_ps(y + (t0 + t) * ldy + g * R + H * h, acc[t]);
}

// A Format's MatmulFn: one token goes kDecodeGroups groups at a time where the CPU takes the
// prefetch, else one; several tokens in tiles of kTile (the last ones in one narrower tile), half
// group by half group.
template <typename F>
void matmul(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy, std::int64_t row_begin,
            std::int64_t row_end) {
  std::int64_t g = row_begin / R;
  const std::int64_t g_end = row_end / R;
  if (x.n_tokens == 1) {
    for_decode_groups<F::kDecodeGroups>(x, g, g_end, [&](auto ng, std::int64_t g0, std::int64_t apart) { decode<F, ng()>(w, x, y, g0, apart); });
    return;
  }
  for (; g < g_end; ++g) {
    for (int h = 0; h < 2; ++h) {
      std::int64_t t = 0;
      for (; t + F::kTile <= x.n_tokens; t += F::kTile) tile<F, F::kTile>(w, x, y, ldy, g, h, t);
      narrow<F::kTile - 1>(x.n_tokens - t, [&](auto nt) { tile<F, nt()>(w, x, y, ldy, g, h, t); });
    }
  }
}

}  // namespace
}  // namespace memwall::quant::kernels
