#pragma once
// The CPU's own binary16 conversions (F16C), the oracle the software conversions are tested
// against. f16c_oracle.cpp alone is compiled with -mf16c; call these only after checking at run
// time that the CPU has F16C.
#include <cstdint>

namespace memwall::quant::testing {

// True when this build has the oracle at all (x86-64 only).
bool f16c_oracle_built();
// Round to nearest even, the immediate rounding mode (not MXCSR's).
std::uint16_t f16c_f32_to_f16(float x);
float f16c_f16_to_f32(std::uint16_t h);

}  // namespace memwall::quant::testing
