#pragma once
// NEON building blocks of the kernel families (matmul_neon.hpp, kquant_neon.hpp, legacy_neon.hpp),
// and the two 4-byte dot products they are written over. A 128-bit register holds 4 rows x 4 bytes
// of a packed 64-byte chunk (16 rows x 4 bytes, packed.hpp), so a 16-row group is done as four
// quarters: quarter h is rows 4h..4h+3, bytes 16h..16h+15 of every chunk, f16 fields 4h..4h+3 of
// every 16-row field. Row 4h + i stays in 32-bit lane i from the first block to the last.
//
// The files that include this are compiled with different flags (Armv8.0 and Armv8.2 + dotprod),
// so everything sits in an anonymous namespace: no inline function of one is ever picked by the
// linker for the other.
#include <arm_neon.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "memwall/quant/blocks.hpp"
#include "cache.hpp"
#include "narrow.hpp"
#include "tables.hpp"

namespace memwall::quant::kernels {
namespace {

constexpr int R = static_cast<int>(kPackRows);
constexpr int kQuarters = R / 4;

inline uint8x16_t load_u8(const std::byte* p) { return vld1q_u8(reinterpret_cast<const std::uint8_t*>(p)); }
inline int8x16_t load_s8(const std::byte* p) { return vld1q_s8(reinterpret_cast<const std::int8_t*>(p)); }
inline int8x16_t as_s8(uint8x16_t v) { return vreinterpretq_s8_u8(v); }
inline uint32x4_t as_u32(uint8x16_t v) { return vreinterpretq_u32_u8(v); }
inline int32x4_t as_s32(uint32x4_t v) { return vreinterpretq_s32_u32(v); }

// Quarter h of a 16-row f16 field at p, as float (fcvtl: baseline on AArch64).
inline float32x4_t load_f16x4(const std::byte* p, int h) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(reinterpret_cast<const std::uint16_t*>(p) + 4 * h)));
}

// Every 32-bit lane shifted right by `bits` (a register shift, so `bits` need not be a constant).
inline uint32x4_t shift_right(uint32x4_t v, int bits) { return vshlq_u32(v, vdupq_n_s32(-bits)); }
// The field of `width` bits at bit `pos` of every 32-bit lane, sign-extended.
inline int32x4_t signed_field(uint32x4_t v, int pos, int width) {
  return vshlq_s32(vshlq_s32(as_s32(v), vdupq_n_s32(32 - width - pos)), vdupq_n_s32(width - 32));
}

// out[m] = activations a[4m..4m+3] in every lane, m = 0..3.
inline void broadcast16(const std::int8_t* a, int8x16_t out[4]) {
  const int32x4_t v = vreinterpretq_s32_s8(vld1q_s8(a));
  out[0] = vreinterpretq_s8_s32(vdupq_laneq_s32(v, 0));
  out[1] = vreinterpretq_s8_s32(vdupq_laneq_s32(v, 1));
  out[2] = vreinterpretq_s8_s32(vdupq_laneq_s32(v, 2));
  out[3] = vreinterpretq_s8_s32(vdupq_laneq_s32(v, 3));
}

// The packers keep one bit of each weight of 16 rows x 4 weights in a u64 (bit 4r + i for weight
// i of row r: an AVX-512 byte mask). Quarter h's 16 bits (bytes 2h, 2h + 1: little-endian),
// spread to its register's 16 bytes: `value` where the bit is set, else 0.
inline uint8x16_t bit_bytes(const std::byte* word, int h, std::uint8_t value) {
  std::uint16_t bits;
  std::memcpy(&bits, word + 2 * h, 2);
  const uint8x16_t spread = vcombine_u8(vdup_n_u8(static_cast<std::uint8_t>(bits)),
                                        vdup_n_u8(static_cast<std::uint8_t>(bits >> 8)));
  static constexpr std::uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  return vandq_u8(vtstq_u8(spread, vld1q_u8(kBit)), vdupq_n_u8(value));
}

// Registers 2j and 2j + 1 of a 32-weight block's quarter h from 4 nibble chunks (Q4_0's layout,
// packed.hpp): the low nibbles are weights 8j..8j+3, the high ones 8j+4..8j+7, so register m
// holds weights 4m..4m+3 and pairs with activations 4m..4m+3.
inline void unpack_nibbles(const std::byte* chunks, int h, int8x16_t w[8]) {
  for (int j = 0; j < 4; ++j) {
    const uint8x16_t v = load_u8(chunks + 64 * j + 16 * h);
    w[2 * j] = as_s8(vandq_u8(v, vdupq_n_u8(15)));
    w[2 * j + 1] = as_s8(vshrq_n_u8(v, 4));
  }
}

// ---------------------------------------------------------------------------------------------
// The 4-byte dot products. dot<kMaxWeight, N>(w, a): per 32-bit lane, the sum over m < N of the
// products of the 4 weight bytes of w[m] (|w| <= kMaxWeight) and the 4 activation bytes of a[m]
// (-127..127), exact.

// Armv8.0: smull multiplies 8 byte pairs into 16-bit products, kRun of which add up per byte
// position in 16 bits (smlal) before sadalp widens adjacent pairs into 32 bits. A row's sum then
// lies in two lanes, of the low or high half's accumulator, which one addp joins: 4 rows again.
struct MullDot {
  template <int kMaxWeight, int N>
  static int32x4_t dot(const int8x16_t* w, const int8x16_t* a) {
    constexpr int kRun = 32767 / (kMaxWeight * 127);
    static_assert(kRun >= 1, "16-bit products would overflow");
    int32x4_t lo = vdupq_n_s32(0), hi = vdupq_n_s32(0);
    for (int m0 = 0; m0 < N; m0 += kRun) {
      int16x8_t plo = vmull_s8(vget_low_s8(w[m0]), vget_low_s8(a[m0]));
      int16x8_t phi = vmull_high_s8(w[m0], a[m0]);
      for (int m = m0 + 1; m < m0 + kRun && m < N; ++m) {
        plo = vmlal_s8(plo, vget_low_s8(w[m]), vget_low_s8(a[m]));
        phi = vmlal_high_s8(phi, w[m], a[m]);
      }
      lo = vpadalq_s16(lo, plo);
      hi = vpadalq_s16(hi, phi);
    }
    return vpaddq_s32(lo, hi);
  }
};

#if defined(__ARM_FEATURE_DOTPROD)
// Armv8.2 dotprod: sdot adds the 4-byte dot products into each 32-bit lane in one instruction.
// Two chains when there are enough products, to hide its latency.
struct SdotDot {
  template <int kMaxWeight, int N>
  static int32x4_t dot(const int8x16_t* w, const int8x16_t* a) {
    constexpr int kChains = N >= 8 ? 2 : 1;
    int32x4_t acc[kChains];
    for (auto& c : acc) c = vdupq_n_s32(0);
    for (int m = 0; m < N; ++m) acc[m % kChains] = vdotq_s32(acc[m % kChains], w[m], a[m]);
    return kChains == 2 ? vaddq_s32(acc[0], acc[kChains - 1]) : acc[0];
  }
};
#endif

// ---------------------------------------------------------------------------------------------
// Driving a kernel over a range of groups: decode(g) for one token, tile(integral_constant NT, g,
// t) for tokens t..t+NT-1, NT <= kTile.

template <int kTile, typename Decode, typename Tile>
void drive(const ActivationView& x, std::int64_t row_begin, std::int64_t row_end, Decode&& decode, Tile&& tile) {
  for (std::int64_t g = row_begin / R; g < row_end / R; ++g) {
    if (x.n_tokens == 1) {
      decode(g);
      continue;
    }
    std::int64_t t = 0;
    for (; t + kTile <= x.n_tokens; t += kTile) tile(std::integral_constant<int, kTile>{}, g, t);
    narrow<kTile - 1>(x.n_tokens - t, [&](auto nt) { tile(nt, g, t); });
  }
}

inline void store_group(float* y, const float32x4_t acc[kQuarters]) {
  for (int h = 0; h < kQuarters; ++h) vst1q_f32(y + 4 * h, acc[h]);
}

// ---------------------------------------------------------------------------------------------
// 32-weight blocks (Q4_0, Q8_0, Q4_1, Q5_0, Q5_1). A Format F has
//   kBytes                                     one block of the 16 rows
//   struct Weights { int8x16_t q[8]; }          register m: weights 4m..4m+3 of a quarter's rows
//   Weights unpack(blk, h)
//   int32x4_t dot(const Weights&, const Act32&) per row, sum of q * a, exact
//   float32x4_t accumulate(acc, blk, h, dot, const Act32&)   the block's one float step
// and decode32 / tile32 run it. Integer sums are exact and the float step is the same function
// whatever the tile, so a token's result does not depend on the batch.

// One token's 32-block: its 8 groups of 4 quants broadcast, its scale and the sum of its quants.
struct Act32 {
  int8x16_t q[8];
  float d;
  std::int32_t sum;
};
inline Act32 act32(const ActivationView& x, std::int64_t t, std::int64_t b) {
  const std::int64_t i = t * (x.cols / kBlockSize) + b;
  Act32 a;
  broadcast16(x.q + i * kBlockSize, a.q);
  broadcast16(x.q + i * kBlockSize + 16, a.q + 4);
  a.d = x.d[i];
  a.sum = x.sums16[2 * i] + x.sums16[2 * i + 1];
  return a;
}

// One token: the block's activations are broadcast once for the four quarters, whose float
// accumulators are four independent chains (and each dot product one or two more).
template <typename F>
void decode32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t g) {
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  float32x4_t acc[kQuarters];
  for (auto& a : acc) a = vdupq_n_f32(0);
  for (std::int64_t b = 0; b < w.cols / kBlockSize; ++b) {
    const std::byte* blk = group + static_cast<std::size_t>(b) * F::kBytes;
    const Act32 a = act32(x, 0, b);
    for (int h = 0; h < kQuarters; ++h) acc[h] = F::accumulate(acc[h], blk, h, F::dot(F::unpack(blk, h), a), a);
  }
  store_group(y + g * R, acc);
}

// NT tokens: each quarter of a block is unpacked once and dotted with the NT tokens.
template <typename F, int NT>
void tile32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy, std::int64_t g,
            std::int64_t t0) {
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  float32x4_t acc[NT][kQuarters];
  for (auto& token : acc) for (auto& a : token) a = vdupq_n_f32(0);
  for (std::int64_t b = 0; b < w.cols / kBlockSize; ++b) {
    const std::byte* blk = group + static_cast<std::size_t>(b) * F::kBytes;
    prefetch_ahead(blk, F::kBytes);
    for (int h = 0; h < kQuarters; ++h) {
      const typename F::Weights wq = F::unpack(blk, h);
      for (int t = 0; t < NT; ++t) {
        const Act32 a = act32(x, t0 + t, b);
        acc[t][h] = F::accumulate(acc[t][h], blk, h, F::dot(wq, a), a);
      }
    }
  }
  for (int t = 0; t < NT; ++t) store_group(y + (t0 + t) * ldy + g * R, acc[t]);
}

template <typename F>
void matmul32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t row_begin, std::int64_t row_end) {
  drive<4>(
      x, row_begin, row_end, [&](std::int64_t g) { decode32<F>(w, x, y, g); },
      [&](auto nt, std::int64_t g, std::int64_t t) { tile32<F, nt()>(w, x, y, ldy, g, t); });
}

// ---------------------------------------------------------------------------------------------
// 256-weight super-blocks (Q4_K, Q5_K, Q6_K, Q2_K, Q3_K), each done in F::kUnits units (sub-blocks
// or sets of them). A Format F has
//   kBytes, kUnits
//   Weights unpack(sb, h, u), Scales scales(sb, h, u)   unit u of quarter h
//   Act activations(const ActK&, u)                     a token's broadcast quants of unit u
//   struct Acc                                          per-row integer sums of a super-block
//   void accumulate(Acc&, const Weights&, const Scales&, const Act&)
//   float32x4_t finish(acc, sb, h, const Acc&, float da)   the super-block's one float step
// and decode_k / tile_k run it. The integer sums are exact (their bounds are the formats'), so
// they come out the same whatever the order of units and quarters, and a token's result does not
// depend on the batch.

// What one token brings to one super-block: 256 quants, their scale, their 16 sums of 16.
struct ActK {
  const std::int8_t* q;
  float d;
  const std::int32_t* sums16;
};
inline ActK act_k(const ActivationView& x, std::int64_t t, std::int64_t b) {
  const std::int64_t i = t * (x.cols / kSuperBlockSize) + b;
  return {x.q + i * kSuperBlockSize, x.d[i], x.sums16 + 16 * i};
}

// One token: unit by unit, the activations broadcast once for the four quarters, whose integer
// and float accumulators are four independent chains.
template <typename F>
void decode_k(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t g) {
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  float32x4_t acc[kQuarters];
  for (auto& a : acc) a = vdupq_n_f32(0);
  for (std::int64_t b = 0; b < w.cols / kSuperBlockSize; ++b) {
    const std::byte* sb = group + static_cast<std::size_t>(b) * F::kBytes;
    const ActK a = act_k(x, 0, b);
    typename F::Acc sums[kQuarters];
    for (int u = 0; u < F::kUnits; ++u) {
      const typename F::Act act = F::activations(a, u);
      for (int h = 0; h < kQuarters; ++h) F::accumulate(sums[h], F::unpack(sb, h, u), F::scales(sb, h, u), act);
    }
    for (int h = 0; h < kQuarters; ++h) acc[h] = F::finish(acc[h], sb, h, sums[h], a.d);
  }
  store_group(y + g * R, acc);
}

// NT tokens: quarter by quarter, each unit unpacked once and dotted with the NT tokens.
template <typename F, int NT>
void tile_k(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy, std::int64_t g,
            std::int64_t t0) {
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  float32x4_t acc[NT][kQuarters];
  for (auto& token : acc) for (auto& a : token) a = vdupq_n_f32(0);
  for (std::int64_t b = 0; b < w.cols / kSuperBlockSize; ++b) {
    const std::byte* sb = group + static_cast<std::size_t>(b) * F::kBytes;
    prefetch_ahead(sb, F::kBytes);
    for (int h = 0; h < kQuarters; ++h) {
      typename F::Acc sums[NT];
      for (int u = 0; u < F::kUnits; ++u) {
        const typename F::Weights wq = F::unpack(sb, h, u);
        const typename F::Scales s = F::scales(sb, h, u);
        for (int t = 0; t < NT; ++t) F::accumulate(sums[t], wq, s, F::activations(act_k(x, t0 + t, b), u));
      }
      for (int t = 0; t < NT; ++t) acc[t][h] = F::finish(acc[t][h], sb, h, sums[t], act_k(x, t0 + t, b).d);
    }
  }
  for (int t = 0; t < NT; ++t) store_group(y + (t0 + t) * ldy + g * R, acc[t]);
}

template <typename F>
void matmul_k(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t row_begin, std::int64_t row_end) {
  drive<4>(
      x, row_begin, row_end, [&](std::int64_t g) { decode_k<F>(w, x, y, g); },
      [&](auto nt, std::int64_t g, std::int64_t t) { tile_k<F, nt()>(w, x, y, ldy, g, t); });
}

}  // namespace
}  // namespace memwall::quant::kernels
