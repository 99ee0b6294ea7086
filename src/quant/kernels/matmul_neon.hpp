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

// F32, F16 and BF16, column-major in 16-row groups (packed.hpp): a group's column is four registers
// of 4 rows, each multiplied by a token's activation (fmla by element); every lane's sum is one
// chain along k, so decode and batched steps agree exactly.
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

// One group x NT tokens (4 NT accumulators), each column of weights converted once for all NT
// tokens. Decode is NT = 1: four independent chains.
template <TensorType T, int NT>
void plain_tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy, std::int64_t g,
                std::int64_t t0) {
  constexpr std::size_t kElemBytes = plain_element_bytes(T), kColumnBytes = plain_column_bytes(T);
  float32x4_t acc[4][NT];
  for (auto& quarter : acc) for (auto& a : quarter) a = vdupq_n_f32(0);
  const std::byte* column = plain_group(w, g);
  const float* xk = x.f32 + t0 * x.cols;
  for (std::int64_t k = 0; k < w.cols; ++k, column += kColumnBytes) {
    float32x4_t wv[4];
    for (int q = 0; q < 4; ++q) wv[q] = load_4<T>(column + 4 * q * kElemBytes);
    for (int t = 0; t < NT; ++t) {
      const float xt = xk[t * x.cols + k];
      for (int q = 0; q < 4; ++q) acc[q][t] = vfmaq_n_f32(acc[q][t], wv[q], xt);
    }
  }
  for (int t = 0; t < NT; ++t) {
    for (int q = 0; q < 4; ++q) vst1q_f32(y + (t0 + t) * ldy + g * kPackRows + 4 * q, acc[q][t]);
  }
}

template <TensorType T>
void matmul_plain(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                  std::int64_t row_begin, std::int64_t row_end) {
  for (std::int64_t g = row_begin / kPackRows; g < row_end / kPackRows; ++g) {
    std::int64_t t = 0;
    for (; t + 4 <= x.n_tokens; t += 4) plain_tile<T, 4>(w, x, y, ldy, g, t);
    narrow<3>(x.n_tokens - t, [&](auto nt) { plain_tile<T, nt()>(w, x, y, ldy, g, t); });
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
