#pragma once
// Private to quant/kernels: the loads every AVX-512 kernel header shares. In an anonymous
// namespace, as the kernels that use them, so each instantiation (VNNI, AVX512BW) keeps its own.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace memwall::quant::kernels {
namespace {

inline __m512 load_f16x16(const std::byte* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512i load512(const std::byte* p) { return _mm512_loadu_si512(p); }
// A 64-byte load kept in a register. Left to itself GCC folds the load into every instruction
// that uses the value (a chunk of quants feeds several masks), and the repeated 64-byte loads,
// not the arithmetic, can become the bottleneck.
inline __m512i load512_once(const std::byte* p) {
  __m512i v = _mm512_loadu_si512(p);
  asm("" : "+v"(v));
  return v;
}
// Four activation bytes in every 32-bit lane.
inline __m512i broadcast4(const std::int8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

}  // namespace
}  // namespace memwall::quant::kernels
