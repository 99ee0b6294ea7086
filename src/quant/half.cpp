#include "memwall/quant/half.hpp"

#include "half_bits.hpp"

namespace memwall::quant {

std::uint16_t f32_to_f16(float x) { return detail::encode_f16(x); }
float f16_to_f32(std::uint16_t h) { return detail::decode_f16(h); }
std::uint16_t f32_to_bf16(float x) { return detail::encode_bf16(x); }
float bf16_to_f32(std::uint16_t h) { return detail::decode_bf16(h); }

}  // namespace memwall::quant
