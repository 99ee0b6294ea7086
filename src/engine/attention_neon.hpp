#pragma once
// Private to engine/: the NEON vector policy of attention_simd.hpp (AArch64: NEON and its f16
// conversions are baseline), for the files of Armv8.0 and of Armv8.2 with the dot product. A K tile
// row (16 positions of one dimension) is four registers.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace memwall::engine::detail {
namespace {

struct Neon {
  using Reg = float32x4_t;
  static constexpr int kLanes = 4;
  static constexpr int kRegisters = 32;
  static Reg zero() { return vdupq_n_f32(0.0f); }
  static Reg set1(float x) { return vdupq_n_f32(x); }
  static Reg load(const float* p) { return vld1q_f32(p); }
  static Reg load(const std::uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
  static Reg load(const std::int8_t* p) {
    std::int32_t four;
    std::memcpy(&four, p, 4);
    const int16x8_t wide = vmovl_s8(vreinterpret_s8_s32(vdup_n_s32(four)));
    return vcvtq_f32_s32(vmovl_s16(vget_low_s16(wide)));
  }
  using IReg = int32x4_t;
  static constexpr bool kInt8Dot = false;
  static IReg load_quads(const std::byte* p) { return vreinterpretq_s32_s8(vld1q_s8(reinterpret_cast<const std::int8_t*>(p))); }
  template <int R>
  static Reg quad_byte(IReg raw) {
    return vcvtq_f32_s32(vshrq_n_s32(vshlq_n_s32(raw, 24 - 8 * R), 24));
  }
  static Reg set1_f16(std::uint16_t h) { return vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))); }
  static void store(float* p, Reg r) { vst1q_f32(p, r); }
  // fcvtn rounds as the FPCR says: to nearest, ties to even, unless a program changed it.
  static void store(std::uint16_t* p, Reg r) { vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(r))); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return vfmaq_f32(c, a, b); }
  static Reg mul(Reg a, Reg b) { return vmulq_f32(a, b); }
  static Reg add(Reg a, Reg b) { return vaddq_f32(a, b); }
  static Reg sub(Reg a, Reg b) { return vsubq_f32(a, b); }
  static Reg max(Reg a, Reg b) { return vmaxq_f32(a, b); }
  static Reg min(Reg a, Reg b) { return vminq_f32(a, b); }
  static Reg div(Reg a, Reg b) { return vdivq_f32(a, b); }
  static Reg fnmadd(Reg a, Reg b, Reg c) { return vfmsq_f32(c, a, b); }
  static Reg round(Reg r) { return vrndnq_f32(r); }
  static Reg pow2(Reg n) {
    return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23));
  }
};

}  // namespace
}  // namespace memwall::engine::detail
