// The 32-weight block types: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1.
//
// Dequantization repeats ggml's arithmetic exactly (the same float operations in the same order),
// so every block means the same floats here as in llama.cpp. Quantization of the 4- and 5-bit
// types searches for the least-squares scale (and offset) of each block, then re-rounds every
// weight against the scale as actually stored in binary16. The 8-bit types, which mostly
// quantize activations on the fly, keep the direct rule scale = max |x| / 127.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "memwall/quant/blocks.hpp"
#include "memwall/quant/half.hpp"
#include "reference_rows.hpp"
#include "rounding.hpp"
#include "scale_fit.hpp"

namespace memwall::quant::ref {
namespace {

using detail::round_clamped;
using detail::scale_to_f16;

constexpr int kHalf = kBlockSize / 2;

// Weight j in the low nibble of qs[j], weight j + 16 in the high nibble; levels already >= 0.
void pack_nibbles(const int* level, std::uint8_t* qs) {
  for (int j = 0; j < kHalf; ++j) {
    qs[j] = static_cast<std::uint8_t>((level[j] & 0xF) | ((level[j + kHalf] & 0xF) << 4));
  }
}

// Bit 4 of weight j goes to bit j of the little-endian word qh.
void pack_fifth_bits(const int* level, std::uint8_t* qh) {
  std::uint32_t bits = 0;
  for (int j = 0; j < kBlockSize; ++j) bits |= static_cast<std::uint32_t>((level[j] >> 4) & 1) << j;
  for (int k = 0; k < 4; ++k) qh[k] = static_cast<std::uint8_t>(bits >> (8 * k));
}

std::uint32_t fifth_bits(const std::uint8_t* qh) {
  return qh[0] | (qh[1] << 8) | (qh[2] << 16) | (static_cast<std::uint32_t>(qh[3]) << 24);
}

// Symmetric block: x ~ d * (level - bias), levels in [0, 2 * bias). Returns the stored d.
std::uint16_t quantize_symmetric_block(const float* x, int bias, int* level) {
  std::int8_t q[kBlockSize];
  const float fitted = detail::fit_symmetric(x, kBlockSize, -bias, bias - 1, q);
  const std::uint16_t d = scale_to_f16(fitted);
  detail::requantize_symmetric(x, kBlockSize, f16_to_f32(d), -bias, bias - 1, q);
  for (int j = 0; j < kBlockSize; ++j) level[j] = q[j] + bias;
  return d;
}

// Block with a min: x ~ d * level + m, levels in [0, nmax]. Returns the stored d and m.
void quantize_affine_block(const float* x, int nmax, int* level, std::uint16_t* d,
                           std::uint16_t* m) {
  std::uint8_t q[kBlockSize];
  const detail::AffineFit fit = detail::fit_affine(x, kBlockSize, nmax, false, q);
  *d = scale_to_f16(fit.scale);
  *m = scale_to_f16(fit.offset);
  detail::requantize_affine(x, kBlockSize, f16_to_f32(*d), f16_to_f32(*m), nmax, q);
  for (int j = 0; j < kBlockSize; ++j) level[j] = q[j];
}

// The 8-bit rule: levels in [-127, 127] (never -128, which the integer dot products of the
// later kernels could not negate). Returns the unrounded scale.
float quantize_8bit_block(const float* x, std::int8_t* qs) {
  float amax = 0;
  for (int j = 0; j < kBlockSize; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float inverse_d = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kBlockSize; ++j) {
    qs[j] = static_cast<std::int8_t>(round_clamped(x[j] * inverse_d, -127, 127));
  }
  return d;
}

}  // namespace

void quantize_q4_0(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ4_0*>(y);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, x += kBlockSize) {
    int level[kBlockSize];
    out[b].d = quantize_symmetric_block(x, 8, level);
    pack_nibbles(level, out[b].qs);
  }
}

void dequantize_q4_0(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ4_0*>(x);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, y += kBlockSize) {
    const float d = f16_to_f32(in[b].d);
    for (int j = 0; j < kHalf; ++j) {
      y[j] = static_cast<float>((in[b].qs[j] & 0xF) - 8) * d;
      y[j + kHalf] = static_cast<float>((in[b].qs[j] >> 4) - 8) * d;
    }
  }
}

void quantize_q4_1(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ4_1*>(y);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, x += kBlockSize) {
    int level[kBlockSize];
    std::uint16_t d, m;
    quantize_affine_block(x, 15, level, &d, &m);
    out[b].d = d;
    out[b].m = m;
    pack_nibbles(level, out[b].qs);
  }
}

void dequantize_q4_1(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ4_1*>(x);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, y += kBlockSize) {
    const float d = f16_to_f32(in[b].d);
    const float m = f16_to_f32(in[b].m);
    for (int j = 0; j < kHalf; ++j) {
      y[j] = static_cast<float>(in[b].qs[j] & 0xF) * d + m;
      y[j + kHalf] = static_cast<float>(in[b].qs[j] >> 4) * d + m;
    }
  }
}

void quantize_q5_0(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ5_0*>(y);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, x += kBlockSize) {
    int level[kBlockSize];
    out[b].d = quantize_symmetric_block(x, 16, level);
    pack_fifth_bits(level, out[b].qh);
    pack_nibbles(level, out[b].qs);
  }
}

void dequantize_q5_0(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ5_0*>(x);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, y += kBlockSize) {
    const float d = f16_to_f32(in[b].d);
    const std::uint32_t qh = fifth_bits(in[b].qh);
    for (int j = 0; j < kHalf; ++j) {
      const int low = (in[b].qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1) << 4);
      const int high = (in[b].qs[j] >> 4) | static_cast<int>(((qh >> (j + kHalf)) & 1) << 4);
      y[j] = static_cast<float>(low - 16) * d;
      y[j + kHalf] = static_cast<float>(high - 16) * d;
    }
  }
}

void quantize_q5_1(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ5_1*>(y);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, x += kBlockSize) {
    int level[kBlockSize];
    std::uint16_t d, m;
    quantize_affine_block(x, 31, level, &d, &m);
    out[b].d = d;
    out[b].m = m;
    pack_fifth_bits(level, out[b].qh);
    pack_nibbles(level, out[b].qs);
  }
}

void dequantize_q5_1(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ5_1*>(x);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, y += kBlockSize) {
    const float d = f16_to_f32(in[b].d);
    const float m = f16_to_f32(in[b].m);
    const std::uint32_t qh = fifth_bits(in[b].qh);
    for (int j = 0; j < kHalf; ++j) {
      const int low = (in[b].qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1) << 4);
      const int high = (in[b].qs[j] >> 4) | static_cast<int>(((qh >> (j + kHalf)) & 1) << 4);
      y[j] = static_cast<float>(low) * d + m;
      y[j + kHalf] = static_cast<float>(high) * d + m;
    }
  }
}

void quantize_q8_0(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, x += kBlockSize) {
    out[b].d = scale_to_f16(quantize_8bit_block(x, out[b].qs));
  }
}

void dequantize_q8_0(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ8_0*>(x);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, y += kBlockSize) {
    const float d = f16_to_f32(in[b].d);
    for (int j = 0; j < kBlockSize; ++j) y[j] = static_cast<float>(in[b].qs[j]) * d;
  }
}

void quantize_q8_1(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<BlockQ8_1*>(y);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, x += kBlockSize) {
    out[b].d = scale_to_f16(quantize_8bit_block(x, out[b].qs));
    int sum = 0;
    for (int j = 0; j < kBlockSize; ++j) sum += out[b].qs[j];
    // s describes the weights as stored, so it uses the rounded d.
    out[b].s = scale_to_f16(f16_to_f32(out[b].d) * static_cast<float>(sum));
  }
}

// ggml has no dequantizer for Q8_1 (it only ever feeds dot products); this is the format's
// definition, x = d * q, the same as Q8_0's.
void dequantize_q8_1(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const BlockQ8_1*>(x);
  for (std::int64_t b = 0; b < n / kBlockSize; ++b, y += kBlockSize) {
    const float d = f16_to_f32(in[b].d);
    for (int j = 0; j < kBlockSize; ++j) y[j] = static_cast<float>(in[b].qs[j]) * d;
  }
}

}  // namespace memwall::quant::ref
