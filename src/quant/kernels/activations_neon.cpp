// Activation quantization with NEON, shared by both NEON tables: the same float operations as
// quantize_rows_ref, 4 at a time, so the bytes are identical.
#include <arm_neon.h>

#include "tables.hpp"

namespace memwall::quant::kernels {

void quantize_neon(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                   std::int8_t* q_out, float* d_out, std::int32_t* sums_out) {
  const std::int64_t block = activation_block(kind);
  for (std::int64_t i = 0; i < n_rows * cols; i += block) {
    float32x4_t vmax = vdupq_n_f32(0);
    for (std::int64_t k = 0; k < block; k += 4) vmax = vmaxq_f32(vmax, vabsq_f32(vld1q_f32(x + i + k)));
    const float amax = vmaxvq_f32(vmax);
    const float inverse = amax > 0 ? 127.0f / amax : 0.0f;
    d_out[i / block] = amax / 127.0f;
    for (std::int64_t k = 0; k < block; k += 16) {
      int32x4_t q[4];
      for (int p = 0; p < 4; ++p) {
        // fcvtns rounds to nearest even, as nearbyint does in the default rounding mode.
        const int32x4_t v = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + i + k + 4 * p), inverse));
        q[p] = vmaxq_s32(vminq_s32(v, vdupq_n_s32(127)), vdupq_n_s32(-127));
      }
      const int16x8_t lo = vcombine_s16(vmovn_s32(q[0]), vmovn_s32(q[1]));
      const int16x8_t hi = vcombine_s16(vmovn_s32(q[2]), vmovn_s32(q[3]));
      vst1q_s8(q_out + i + k, vcombine_s8(vmovn_s16(lo), vmovn_s16(hi)));
      sums_out[(i + k) / 16] = vaddvq_s32(vaddq_s32(vaddq_s32(q[0], q[1]), vaddq_s32(q[2], q[3])));
    }
  }
}

}  // namespace memwall::quant::kernels
