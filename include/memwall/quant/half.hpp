#pragma once
// IEEE binary16 and bfloat16 conversions, bit-exact with the GGUF ecosystem: round to nearest
// even from f32, NaN kept NaN, exact back to f32.
#include <cstdint>

namespace memwall::quant {

std::uint16_t f32_to_f16(float x);
float f16_to_f32(std::uint16_t h);
std::uint16_t f32_to_bf16(float x);
float bf16_to_f32(std::uint16_t h);

}  // namespace memwall::quant
