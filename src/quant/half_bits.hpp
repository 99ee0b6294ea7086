#pragma once
// The binary16 and bfloat16 conversions of half.hpp, inline so that the row conversions of
// reference_plain.cpp make no call per element (half.cpp exports them under their public names).
#include <bit>
#include <cstdint>

namespace memwall::quant::detail {

constexpr std::uint32_t kF32AbsMask = 0x7fffffffu;
constexpr std::uint32_t kF32Inf = 0x7f800000u;
constexpr std::uint32_t kF32QuietBit = 0x00400000u;
constexpr int kF32MantissaBits = 23;
constexpr int kF16MantissaBits = 10;
constexpr int kDroppedBits = kF32MantissaBits - kF16MantissaBits;  // 13

constexpr std::uint16_t kF16Inf = 0x7c00;
constexpr std::uint16_t kF16QuietNan = 0x7e00;
// |x| from which binary16 rounds to infinity: halfway between 65504 (the largest finite half)
// and 65536; the tie goes to the even neighbour, which is infinity.
constexpr std::uint32_t kF32HalfOverflow = 0x477ff000u;
// 2^-14, the smallest normal binary16.
constexpr std::uint32_t kF32HalfMinNormal = 0x38800000u;
// Exponent bias difference (127 - 15), in the f32 exponent field.
constexpr std::uint32_t kF16Rebias = 112u << kF32MantissaBits;

// Shifts `m` right by `shift` bits, rounding to nearest with ties to even.
inline std::uint32_t shift_right_even(std::uint32_t m, int shift) {
  const std::uint32_t kept = m >> shift;
  const std::uint32_t rest = m & ((1u << shift) - 1);
  const std::uint32_t half = 1u << (shift - 1);
  return kept + ((rest > half || (rest == half && (kept & 1))) ? 1 : 0);
}

// |x| below 2^-14: a binary16 subnormal, an integer multiple of 2^-24 (1024 such multiples make
// the smallest normal, and the carry lands exactly there).
inline std::uint16_t small_to_f16(std::uint32_t abs) {
  const int exponent = static_cast<int>(abs >> kF32MantissaBits);
  if (exponent == 0) return 0;  // f32 subnormals are below 2^-126, far under half of 2^-24
  const std::uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;  // abs = mantissa * 2^(e-150)
  const int shift = 126 - exponent;                              // to units of 2^-24
  if (shift > 24) return 0;  // below 2^-25, or exactly 2^-25, which ties to the even 0
  return static_cast<std::uint16_t>(shift_right_even(mantissa, shift));
}

inline std::uint16_t encode_f16(float x) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t abs = bits & kF32AbsMask;
  // Any NaN becomes the canonical quiet NaN (payload dropped), as ggml's conversion does.
  if (abs > kF32Inf) return sign | kF16QuietNan;
  if (abs >= kF32HalfOverflow) return sign | kF16Inf;
  if (abs < kF32HalfMinNormal) return sign | small_to_f16(abs);
  // Normal: rebias the exponent and round the mantissa; a carry out of the mantissa correctly
  // bumps the exponent (the overflow to infinity was handled above).
  return sign | static_cast<std::uint16_t>(shift_right_even(abs - kF16Rebias, kDroppedBits));
}

inline float decode_f16(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t magnitude = h & 0x7fffu;
  // Every case is computed and one is selected: no branch in the row loop.
  // Normal: the exponent rebiased, the mantissa widened.
  const std::uint32_t normal = (magnitude << kDroppedBits) + kF16Rebias;
  // Infinity or NaN: rebiasing twice more lands the exponent on all ones; NaN keeps its payload
  // and comes back quiet, as F16C and ggml do.
  const std::uint32_t quiet = magnitude > kF16Inf ? kF32QuietBit : 0u;
  const std::uint32_t special = (normal + kF16Rebias) | quiet;
  // Zero or subnormal: magnitude * 2^-24, exact in f32 (a normal number there).
  const std::uint32_t small =
      std::bit_cast<std::uint32_t>(static_cast<float>(magnitude) * 0x1p-24f);
  const std::uint32_t bits = magnitude < 0x400u ? small : magnitude >= kF16Inf ? special : normal;
  return std::bit_cast<float>(sign | bits);
}

inline std::uint16_t encode_bf16(float x) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  // NaN keeps its sign and top payload bits and is made quiet, so truncation cannot turn it into
  // infinity.
  if ((bits & kF32AbsMask) > kF32Inf) return static_cast<std::uint16_t>((bits >> 16) | 0x40u);
  // Round to nearest even on the 16 dropped bits; a carry may reach the exponent, and from the
  // largest finite values it reaches infinity, as it should.
  const std::uint32_t lsb = (bits >> 16) & 1u;
  return static_cast<std::uint16_t>((bits + 0x7fffu + lsb) >> 16);
}

inline float decode_bf16(std::uint16_t h) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

}  // namespace memwall::quant::detail
