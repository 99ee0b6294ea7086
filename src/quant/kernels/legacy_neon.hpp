#pragma once
// The legacy family's NEON kernels (Q4_1, Q5_0, Q5_1, Q2_K, Q3_K) over the packed layouts
// (pack_legacy.cpp, legacy_layout.hpp), written once over a 4-byte dot product `Dot`
// (neon_common.hpp) and instantiated in legacy_neon.cpp (smull + sadalp) and
// legacy_neon_dotprod.cpp (sdot).
#include "legacy_layout.hpp"
#include "neon_common.hpp"

namespace memwall::quant::kernels {
namespace {

// Q4_1, Q5_0, Q5_1: x = d * (q - offset) + m per 32-weight block.
template <typename Dot, TensorType T>
struct Legacy32 {
  using L = legacy::Layout32<T>;
  static constexpr std::size_t kBytes = L::kBytes;

  // Register m holds weights 4m..4m+3: the nibbles, and the fifth bits from word m.
  struct Weights {
    int8x16_t q[8];
  };
  static Weights unpack(const std::byte* blk, int h) {
    Weights w;
    unpack_nibbles(blk + L::kNibbles, h, w.q);
    if constexpr (L::kHighBits) {
      for (int m = 0; m < 8; ++m) w.q[m] = vorrq_s8(w.q[m], as_s8(bit_bytes(blk + L::kHigh + 8 * m, h, 16)));
    }
    return w;
  }
  static int32x4_t dot(const Weights& w, const Act32& a) { return Dot::template dot<L::kMaxLevel, 8>(w.q, a.q); }
  // acc + d * da * (dot - offset * sum) [+ m * (da * sum)].
  static float32x4_t accumulate(float32x4_t acc, const std::byte* blk, int h, int32x4_t dot, const Act32& a) {
    if constexpr (L::kOffset != 0) dot = vsubq_s32(dot, vdupq_n_s32(L::kOffset * a.sum));
    acc = vfmaq_f32(acc, vcvtq_f32_s32(dot), vmulq_n_f32(load_f16x4(blk + L::kD, h), a.d));
    if constexpr (L::kMins) acc = vfmaq_n_f32(acc, load_f16x4(blk + L::kM, h), a.d * static_cast<float>(a.sum));
    return acc;
  }
};

// Q2_K and Q3_K, quad-set by quad-set (pack_legacy.cpp): one load per k-group gives, shifted and
// masked four ways, the same k-group of the quad-set's four sub-blocks. What the two share: the
// quants and the activations; their Formats below add the scales.
template <typename Dot, TensorType T>
struct QuadQuants {
  static constexpr bool kQ2 = T == TensorType::Q2_K;
  static constexpr std::size_t kBytes = kQ2 ? legacy::LayoutQ2K::kBytes : legacy::LayoutQ3K::kBytes;
  static constexpr std::size_t kQuants = kQ2 ? legacy::LayoutQ2K::kQuants : legacy::LayoutQ3K::kQuants;
  static constexpr int kUnits = 4;
  static constexpr int kMaxLevel = kQ2 ? 3 : 7;

  // [4 j + c]: k-group c of field j, i.e. of sub-block quad_sub_block(q, j).
  struct Weights {
    int8x16_t q[16];
  };
  static Weights unpack(const std::byte* sb, int h, int q) {
    Weights w;
    const uint8x16_t two = vdupq_n_u8(3);
    for (int c = 0; c < 4; ++c) {
      const uint8x16_t v = load_u8(sb + legacy::quant_chunk(kQuants, q, c) + 16 * h);
      uint8x16_t f[4] = {vandq_u8(v, two), vandq_u8(vshrq_n_u8(v, 2), two), vandq_u8(vshrq_n_u8(v, 4), two),
                         vshrq_n_u8(v, 6)};
      for (int j = 0; j < 4; ++j) {
        if constexpr (!kQ2) f[j] = vorrq_u8(f[j], bit_bytes(sb + legacy::q3k_high_word(q, c, j), h, 4));
        w.q[4 * j + c] = as_s8(f[j]);
      }
    }
    return w;
  }

  // The four sub-blocks' quants are broadcast only where they are used, field by field: with the
  // 16 weight registers, 16 broadcast ones would leave none for the sums.
  struct Act {
    const std::int8_t* q[4];  // of field j's sub-block
    std::int32_t sums[4];     // of each sub-block's 16 quants
  };
  static Act activations(const ActK& a, int q) {
    Act act;
    for (int j = 0; j < 4; ++j) {
      const int s = legacy::quad_sub_block(q, j);
      act.q[j] = a.q + 16 * s;
      act.sums[j] = a.sums16[s];
    }
    return act;
  }
  // Field j's sum of q * a per row, exact.
  static int32x4_t dot(const Weights& w, const Act& a, int j) {
    int8x16_t act[4];
    broadcast16(a.q[j], act);
    return Dot::template dot<kMaxLevel, 4>(w.q + 4 * j, act);
  }
};

// Q2_K: x = d * scale_s * q - dmin * min_s, scale and min the nibbles of a byte.
template <typename Dot>
struct Q2K : QuadQuants<Dot, TensorType::Q2_K> {
  using Base = QuadQuants<Dot, TensorType::Q2_K>;
  using L = legacy::LayoutQ2K;

  struct Scales {
    int32x4_t scale[4], min[4];
  };
  // Byte j of each row's 4 scale bytes is field j's.
  static Scales scales(const std::byte* sb, int h, int q) {
    const uint32x4_t v = as_u32(load_u8(sb + L::kScales + legacy::kChunk * q + 16 * h));
    Scales s;
    for (int j = 0; j < 4; ++j) {
      const uint32x4_t byte = shift_right(v, 8 * j);
      s.scale[j] = as_s32(vandq_u32(byte, vdupq_n_u32(15)));
      s.min[j] = as_s32(vandq_u32(vshrq_n_u32(byte, 4), vdupq_n_u32(15)));
    }
    return s;
  }

  struct Acc {
    int32x4_t scaled = vdupq_n_s32(0), mins = vdupq_n_s32(0);
  };
  static void accumulate(Acc& acc, const typename Base::Weights& w, const Scales& s, const typename Base::Act& a) {
    for (int j = 0; j < 4; ++j) {
      acc.scaled = vmlaq_s32(acc.scaled, Base::dot(w, a, j), s.scale[j]);
      acc.mins = vmlaq_n_s32(acc.mins, s.min[j], a.sums[j]);
    }
  }
  // acc + da * (d * scaled - dmin * mins).
  static float32x4_t finish(float32x4_t acc, const std::byte* sb, int h, const Acc& sums, float da) {
    acc = vfmaq_f32(acc, vcvtq_f32_s32(sums.scaled), vmulq_n_f32(load_f16x4(sb + L::kD, h), da));
    return vfmsq_f32(acc, vcvtq_f32_s32(sums.mins), vmulq_n_f32(load_f16x4(sb + L::kDmin, h), da));
  }
};

// Q3_K: x = d * (scale_s - 32) * (q - 4), q the 2-bit field plus the high bit at 4.
template <typename Dot>
struct Q3K : QuadQuants<Dot, TensorType::Q3_K> {
  using Base = QuadQuants<Dot, TensorType::Q3_K>;
  using L = legacy::LayoutQ3K;

  struct Scales {
    int32x4_t scale[4];
  };
  // Field j is member j / 2 of pair 2 q + j % 2; its 6-bit two's complement field lies in one plane,
  // or (pairs 6 and 7) has its low 4 bits in plane A or B and its high 2 in plane C
  // (legacy_layout.hpp).
  static Scales scales(const std::byte* sb, int h, int q) {
    const std::byte* planes = sb + L::kScales + 16 * h;
    Scales s;
    for (int j = 0; j < 4; ++j) {
      const int pair = 2 * q + j % 2, word = 16 * (j / 2);
      const legacy::Q3ScaleSlot slot = legacy::kQ3ScaleSlot[pair];
      const uint32x4_t plane = as_u32(load_u8(planes + legacy::kChunk * slot.plane));
      if (slot.shift >= 0) {
        s.scale[j] = signed_field(plane, word + slot.shift, 6);
        continue;
      }
      const uint32x4_t c = as_u32(load_u8(planes + 2 * legacy::kChunk));
      const uint32x4_t low = vandq_u32(shift_right(plane, word), vdupq_n_u32(15));
      const uint32x4_t high = vandq_u32(shift_right(c, word + 2 * (pair - 6) - 4), vdupq_n_u32(0x30));
      s.scale[j] = signed_field(vorrq_u32(low, high), 0, 6);
    }
    return s;
  }

  struct Acc {
    int32x4_t scaled = vdupq_n_s32(0);
  };
  // scaled + scale * (dot - 4 * sum) per sub-block.
  static void accumulate(Acc& acc, const typename Base::Weights& w, const Scales& s, const typename Base::Act& a) {
    for (int j = 0; j < 4; ++j) {
      const int32x4_t dot = vsubq_s32(Base::dot(w, a, j), vdupq_n_s32(4 * a.sums[j]));
      acc.scaled = vmlaq_s32(acc.scaled, dot, s.scale[j]);
    }
  }
  static float32x4_t finish(float32x4_t acc, const std::byte* sb, int h, const Acc& sums, float da) {
    return vfmaq_f32(acc, vcvtq_f32_s32(sums.scaled), vmulq_n_f32(load_f16x4(sb + L::kD, h), da));
  }
};

template <typename Dot>
constexpr TypeKernel kLegacyTypes[] = {
    {TensorType::Q4_1, matmul32<Legacy32<Dot, TensorType::Q4_1>>},
    {TensorType::Q5_0, matmul32<Legacy32<Dot, TensorType::Q5_0>>},
    {TensorType::Q5_1, matmul32<Legacy32<Dot, TensorType::Q5_1>>},
    {TensorType::Q2_K, matmul_k<Q2K<Dot>>},
    {TensorType::Q3_K, matmul_k<Q3K<Dot>>},
};

}  // namespace
}  // namespace memwall::quant::kernels
