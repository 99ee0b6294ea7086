#pragma once
// The plain family's NEON kernels (F32, F16, BF16, Q4_0, Q8_0), written once over a 4-byte dot
// product `Dot` (neon_common.hpp) and instantiated in matmul_neon.cpp (smull + sadalp) and
// matmul_neon_dotprod.cpp (sdot).
#include "neon_common.hpp"

namespace memwall::quant::kernels {
namespace {

// Q4_0 and Q8_0: per block, 16 f16 scales then the quants (packed.hpp). Q8_0's bytes are signed
// weights as they are; Q4_0's nibbles are levels 0..15 whose offset 8 comes off through the
// activations' sum, once per block, in integers.
template <typename Dot, TensorType T>
struct Plain32 {
  static constexpr bool kQ4 = T == TensorType::Q4_0;
  static constexpr std::size_t kBytes = kQ4 ? 2 * R + 16 * R : 2 * R + 32 * R;

  struct Weights {
    int8x16_t q[8];
  };
  static Weights unpack(const std::byte* blk, int h) {
    Weights w;
    if constexpr (kQ4) {
      unpack_nibbles(blk + 2 * R, h, w.q);
    } else {
      for (int m = 0; m < 8; ++m) w.q[m] = load_s8(blk + 2 * R + 64 * m + 16 * h);
    }
    return w;
  }
  static int32x4_t dot(const Weights& w, const Act32& a) { return Dot::template dot<kQ4 ? 15 : 128, 8>(w.q, a.q); }
  // acc + d * da * (dot - offset * sum).
  static float32x4_t accumulate(float32x4_t acc, const std::byte* blk, int h, int32x4_t dot, const Act32& a) {
    if constexpr (kQ4) dot = vsubq_s32(dot, vdupq_n_s32(8 * a.sum));
    return vfmaq_f32(acc, vcvtq_f32_s32(dot), vmulq_n_f32(load_f16x4(blk, h), a.d));
  }
};

// F32, F16 and BF16 (banded or row-major, packed.hpp): a tile of RR rows x NT tokens keeps one
// accumulator per pair along k, reduced at the end of the row, so a pair's sums come in the same
// order whatever the tile.
template <TensorType T>
inline float32x4_t load_4(const std::byte* p) {
  if constexpr (T == TensorType::F32) {
    return vld1q_f32(reinterpret_cast<const float*>(p));
  } else if constexpr (T == TensorType::F16) {
    return load_f16x4(p, 0);
  } else {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(reinterpret_cast<const std::uint16_t*>(p)), 16));
  }
}

template <TensorType T, int RR, int NT>
void plain_tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                std::int64_t r0, std::int64_t t0) {
  constexpr std::size_t kElemBytes = plain_element_bytes(T);
  float32x4_t acc[RR][NT];
  for (auto& row : acc) for (auto& a : row) a = vdupq_n_f32(0);
  const std::byte* rows[RR];
  for (int r = 0; r < RR; ++r) rows[r] = plain_row(w, r0 + r);
  const std::size_t stride = plain_chunk_stride(w);
  for (std::int64_t k = 0; k < w.cols; k += 4) {
    const std::size_t at = plain_column_offset(k, stride, kElemBytes);
    float32x4_t xv[NT];
    for (int t = 0; t < NT; ++t) xv[t] = vld1q_f32(x.f32 + (t0 + t) * x.cols + k);
    for (int r = 0; r < RR; ++r) {
      const float32x4_t wv = load_4<T>(rows[r] + at);
      for (int t = 0; t < NT; ++t) acc[r][t] = vfmaq_f32(acc[r][t], wv, xv[t]);
    }
  }
  for (int r = 0; r < RR; ++r) {
    for (int t = 0; t < NT; ++t) y[(t0 + t) * ldy + r0 + r] = vaddvq_f32(acc[r][t]);
  }
}

// Decode: a band of 8 rows at a time, one stream, 8 independent chains. Several tokens: 4 rows x 4 tokens, 16
// accumulators, each weight vector used 4 times and each activation vector 4 times.
template <TensorType T>
void matmul_plain(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                  std::int64_t row_begin, std::int64_t row_end) {
  if (w.cols % 4 != 0) return kernels::generic().matmul(T)(w, x, y, ldy, row_begin, row_end);
  if (x.n_tokens == 1) {
    for (std::int64_t r = row_begin; r < row_end; r += kPlainBandRows) plain_tile<T, kPlainBandRows, 1>(w, x, y, ldy, r, 0);
    return;
  }
  for (std::int64_t r = row_begin; r < row_end; r += 4) {
    std::int64_t t = 0;
    for (; t + 4 <= x.n_tokens; t += 4) plain_tile<T, 4, 4>(w, x, y, ldy, r, t);
    narrow<3>(x.n_tokens - t, [&](auto nt) { plain_tile<T, 4, nt()>(w, x, y, ldy, r, t); });
  }
}

template <typename Dot>
constexpr TypeKernel kPlainTypes[] = {
    {TensorType::F32, matmul_plain<TensorType::F32>},
    {TensorType::F16, matmul_plain<TensorType::F16>},
    {TensorType::BF16, matmul_plain<TensorType::BF16>},
    {TensorType::Q8_0, matmul32<Plain32<Dot, TensorType::Q8_0>>},
    {TensorType::Q4_0, matmul32<Plain32<Dot, TensorType::Q4_0>>},
};

}  // namespace
}  // namespace memwall::quant::kernels
