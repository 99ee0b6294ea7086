#include "f16c_oracle.hpp"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace memwall::quant::testing {

#if defined(__F16C__)

bool f16c_oracle_built() { return true; }
std::uint16_t f16c_f32_to_f16(float x) {
  const __m128i h = _mm_cvtps_ph(_mm_set_ss(x), _MM_FROUND_TO_NEAREST_INT);
  return static_cast<std::uint16_t>(_mm_extract_epi16(h, 0));
}
float f16c_f16_to_f32(std::uint16_t h) { return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h))); }

#else

bool f16c_oracle_built() { return false; }
std::uint16_t f16c_f32_to_f16(float) { return 0; }
float f16c_f16_to_f32(std::uint16_t) { return 0; }

#endif

}  // namespace memwall::quant::testing
