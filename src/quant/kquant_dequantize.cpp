// Dequantization of the K-quants, one 16- or 32-weight sub-block at a time. Each weight is
// computed with exactly ggml's float operations in ggml's order (the sub-block's scale product
// first, then the level, then the min), so the results are bit for bit llama.cpp's.
#include "kquant_packing.hpp"
#include "memwall/quant/blocks.hpp"
#include "memwall/quant/half.hpp"
#include "reference_rows.hpp"

namespace memwall::quant::ref {

void dequantize_q2_k(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ2_K*>(x);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b) {
    const float d = f16_to_f32(in[b].d);
    const float dmin = f16_to_f32(in[b].dmin);
    for (int s = 0; s < 16; ++s, y += 16) {
      const float dl = d * static_cast<float>(in[b].scales[s] & 0xF);
      const float ml = dmin * static_cast<float>(in[b].scales[s] >> 4);
      const detail::TwoBitRun run = detail::two_bit_run(in[b].qs, s);
      for (int l = 0; l < 16; ++l)
        y[l] = dl * static_cast<float>((run.bytes[l] >> run.shift) & 3) - ml;
    }
  }
}

void dequantize_q3_k(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ3_K*>(x);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b) {
    const float d = f16_to_f32(in[b].d);
    for (int s = 0; s < 16; ++s, y += 16) {
      const float dl = d * static_cast<float>(detail::unpack_q3_scale(in[b].scales, s) - 32);
      const detail::TwoBitRun run = detail::two_bit_run(in[b].qs, s);
      // The high bits of the 16 weights: bit s / 2 of hmask[16 * (s % 2) + l].
      const std::uint8_t* hmask = in[b].hmask + 16 * (s % 2);
      const int hbit = s / 2;
      for (int l = 0; l < 16; ++l) {
        const int low = (run.bytes[l] >> run.shift) & 3;
        const int minus = ((hmask[l] >> hbit) & 1) ? 0 : 4;
        y[l] = dl * static_cast<float>(low - minus);
      }
    }
  }
}

void dequantize_q4_k(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ4_K*>(x);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b) {
    const float d = f16_to_f32(in[b].d);
    const float dmin = f16_to_f32(in[b].dmin);
    for (int j = 0; j < 8; ++j, y += 32) {
      const detail::ScaleMin sm = detail::unpack_scale_min(in[b].scales, j);
      const float dl = d * static_cast<float>(sm.scale);
      const float ml = dmin * static_cast<float>(sm.min);
      const std::uint8_t* qs = in[b].qs + 32 * (j / 2);
      const int shift = 4 * (j % 2);
      for (int l = 0; l < 32; ++l) y[l] = dl * static_cast<float>((qs[l] >> shift) & 0xF) - ml;
    }
  }
}

void dequantize_q5_k(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ5_K*>(x);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b) {
    const float d = f16_to_f32(in[b].d);
    const float dmin = f16_to_f32(in[b].dmin);
    for (int j = 0; j < 8; ++j, y += 32) {
      const detail::ScaleMin sm = detail::unpack_scale_min(in[b].scales, j);
      const float dl = d * static_cast<float>(sm.scale);
      const float ml = dmin * static_cast<float>(sm.min);
      const std::uint8_t* qs = in[b].qs + 32 * (j / 2);
      const int shift = 4 * (j % 2);
      for (int l = 0; l < 32; ++l) {
        const int level = ((qs[l] >> shift) & 0xF) | (((in[b].qh[l] >> j) & 1) << 4);
        y[l] = dl * static_cast<float>(level) - ml;
      }
    }
  }
}

void dequantize_q6_k(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ6_K*>(x);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b) {
    const float d = f16_to_f32(in[b].d);
    for (int s = 0; s < 16; ++s, y += 16) {
      const float dl = d * static_cast<float>(in[b].scales[s]);
      // Sub-block s is quarter k of half h; its 16 weights start at lane l0 of that quarter.
      const int h = s / 8, k = (s % 8) / 2, l0 = 16 * (s % 2);
      const std::uint8_t* ql = in[b].ql + 64 * h + 32 * (k % 2) + l0;
      const std::uint8_t* qh = in[b].qh + 32 * h + l0;
      for (int l = 0; l < 16; ++l) {
        const int low = (ql[l] >> (4 * (k / 2))) & 0xF;
        const int high = (qh[l] >> (2 * k)) & 3;
        y[l] = dl * static_cast<float>((low | (high << 4)) - 32);
      }
    }
  }
}

void dequantize_q8_k(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ8_K*>(x);
  for (std::int64_t b = 0; b < n / kSuperBlockSize; ++b, y += kSuperBlockSize) {
    const float d = in[b].d;
    for (int i = 0; i < kSuperBlockSize; ++i) y[i] = d * static_cast<float>(in[b].qs[i]);
  }
}

}  // namespace memwall::quant::ref
