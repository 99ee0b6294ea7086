#pragma once
// The kquant family's NEON kernels (Q4_K, Q5_K, Q6_K) over the packed layouts (pack_kquant.cpp),
// written once over a 4-byte dot product `Dot` (neon_common.hpp) and instantiated in
// kquant_neon.cpp (smull + sadalp) and kquant_neon_dotprod.cpp (sdot). A super-block is done
// sub-block by sub-block; each sub-block's integer dot product is multiplied by its integer scale
// and summed in 32 bits (exact: at most 8 x 63 x 32 x 31 x 127 for Q5_K, 16 x 128 x 16 x 32 x 127
// for Q6_K), the mins and Q6_K's offset 32 come off through the activations' sums, and the sums
// turn to float once per super-block.
#include "kquant_layout.hpp"
#include "neon_common.hpp"

namespace memwall::quant::kernels {
namespace {

using kquant::Q45Layout;
using kquant::Q6Layout;

// Q4_K and Q5_K: x = d * sc_j * q - dmin * m_j over 8 sub-blocks j of 32 weights.
template <typename Dot, TensorType T>
struct Q45 {
  using L = Q45Layout<T>;
  static constexpr std::size_t kBytes = L::kBytes;
  static constexpr int kUnits = 8;
  static constexpr int kMaxLevel = L::kHighBits ? 31 : 15;

  // Register m holds weights 4m..4m+3 of the sub-block, as Q4_0's nibbles (and Q5_K's fifth bits).
  struct Weights {
    int8x16_t q[8];
  };
  static Weights unpack(const std::byte* sb, int h, int j) {
    Weights w;
    unpack_nibbles(sb + L::nibbles(j, 0), h, w.q);
    if constexpr (L::kHighBits) {
      for (int m = 0; m < 8; ++m) w.q[m] = vorrq_s8(w.q[m], as_s8(bit_bytes(sb + L::mask(j, m), h, 16)));
    }
    return w;
  }

  // Sub-block j's scale and min (0..63), one row per lane. Scale chunks a, b, c hold the file's
  // bytes 0-3, 4-7, 8-11 of each row: sc_j, m_j are bytes j of a and b for j < 4; for j >= 4 their
  // low 4 bits are byte j - 4 of c (low and high nibble) and their high 2 the top of a and b.
  struct Scales {
    int32x4_t scale, min;
  };
  static Scales scales(const std::byte* sb, int h, int j) {
    const std::byte* p = sb + L::kScales + 16 * h;
    const int shift = 8 * (j % 4);
    const uint32x4_t a = shift_right(as_u32(load_u8(p)), shift), b = shift_right(as_u32(load_u8(p + 64)), shift);
    if (j < 4) return {as_s32(vandq_u32(a, vdupq_n_u32(63))), as_s32(vandq_u32(b, vdupq_n_u32(63)))};
    const uint32x4_t c = shift_right(as_u32(load_u8(p + 128)), shift);
    const uint32x4_t low4 = vdupq_n_u32(15), top2 = vdupq_n_u32(0x30);
    const uint32x4_t scale = vorrq_u32(vandq_u32(c, low4), vandq_u32(vshrq_n_u32(a, 2), top2));
    const uint32x4_t min = vorrq_u32(vandq_u32(vshrq_n_u32(c, 4), low4), vandq_u32(vshrq_n_u32(b, 2), top2));
    return {as_s32(scale), as_s32(min)};
  }

  struct Act {
    int8x16_t q[8];
    std::int32_t sum;  // of the sub-block's 32 quants
  };
  static Act activations(const ActK& a, int j) {
    Act act;
    broadcast16(a.q + 32 * j, act.q);
    broadcast16(a.q + 32 * j + 16, act.q + 4);
    act.sum = a.sums16[2 * j] + a.sums16[2 * j + 1];
    return act;
  }

  struct Acc {
    int32x4_t scaled = vdupq_n_s32(0), mins = vdupq_n_s32(0);
  };
  static void accumulate(Acc& acc, const Weights& w, const Scales& s, const Act& a) {
    acc.scaled = vmlaq_s32(acc.scaled, Dot::template dot<kMaxLevel, 8>(w.q, a.q), s.scale);
    acc.mins = vmlaq_n_s32(acc.mins, s.min, a.sum);
  }
  // acc + da * (d * scaled - dmin * mins).
  static float32x4_t finish(float32x4_t acc, const std::byte* sb, int h, const Acc& sums, float da) {
    acc = vfmaq_f32(acc, vcvtq_f32_s32(sums.scaled), vmulq_n_f32(load_f16x4(sb + L::kD, h), da));
    return vfmsq_f32(acc, vcvtq_f32_s32(sums.mins), vmulq_n_f32(load_f16x4(sb + L::kDmin, h), da));
  }
};

// Q6_K: x = d * sc_s * (q - 32) over 16 sub-blocks s of 16 weights, sc_s a signed byte.
template <typename Dot>
struct Q6 {
  using L = Q6Layout;
  static constexpr std::size_t kBytes = L::kBytes;
  static constexpr int kUnits = 16;

  // Register c < 3 is chunk c's low 6 bits (weights 4c..4c+3); register 3 gathers the chunks' top
  // bit pairs (weights 12..15): two shift-right-and-inserts stack c2's, c1's and c0's pairs in
  // bits 7..2, one shift puts the level in bits 5..0.
  struct Weights {
    int8x16_t q[4];
  };
  static Weights unpack(const std::byte* sb, int h, int s) {
    const uint8x16_t c0 = load_u8(sb + L::quants(s, 0) + 16 * h), c1 = load_u8(sb + L::quants(s, 1) + 16 * h),
                     c2 = load_u8(sb + L::quants(s, 2) + 16 * h);
    const uint8x16_t low6 = vdupq_n_u8(63);
    const uint8x16_t top = vshrq_n_u8(vsriq_n_u8(vsriq_n_u8(c2, c1, 2), c0, 4), 2);
    return {{as_s8(vandq_u8(c0, low6)), as_s8(vandq_u8(c1, low6)), as_s8(vandq_u8(c2, low6)), as_s8(top)}};
  }

  struct Scales {
    int32x4_t scale;
  };
  static Scales scales(const std::byte* sb, int h, int s) {
    std::int32_t four;
    std::memcpy(&four, sb + L::kScales + 16 * s + 4 * h, 4);
    const int16x8_t wide = vmovl_s8(vreinterpret_s8_s32(vdup_n_s32(four)));
    return {vmovl_s16(vget_low_s16(wide))};
  }

  struct Act {
    int8x16_t q[4];
    std::int32_t sum;  // of the sub-block's 16 quants
  };
  static Act activations(const ActK& a, int s) {
    Act act;
    broadcast16(a.q + 16 * s, act.q);
    act.sum = a.sums16[s];
    return act;
  }

  struct Acc {
    int32x4_t scaled = vdupq_n_s32(0);
  };
  // scaled + sc_s * (dot - 32 * sum).
  static void accumulate(Acc& acc, const Weights& w, const Scales& s, const Act& a) {
    const int32x4_t dot = vsubq_s32(Dot::template dot<63, 4>(w.q, a.q), vdupq_n_s32(32 * a.sum));
    acc.scaled = vmlaq_s32(acc.scaled, dot, s.scale);
  }
  static float32x4_t finish(float32x4_t acc, const std::byte* sb, int h, const Acc& sums, float da) {
    return vfmaq_f32(acc, vcvtq_f32_s32(sums.scaled), vmulq_n_f32(load_f16x4(sb + L::kD, h), da));
  }
};

template <typename Dot>
constexpr TypeKernel kKQuantTypes[] = {
    {TensorType::Q4_K, matmul_k<Q45<Dot, TensorType::Q4_K>>},
    {TensorType::Q5_K, matmul_k<Q45<Dot, TensorType::Q5_K>>},
    {TensorType::Q6_K, matmul_k<Q6<Dot>>},
};

}  // namespace
}  // namespace memwall::quant::kernels
