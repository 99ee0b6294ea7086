#include "memwall/quant/activations.hpp"

#include <algorithm>
#include <cmath>

namespace memwall::quant {
namespace {

std::size_t align64(std::size_t n) { return (n + 63) / 64 * 64; }

}  // namespace

ActivationKind activation_kind(TensorType t) {
  switch (t) {
    case TensorType::F32: case TensorType::F16: case TensorType::BF16:
      return ActivationKind::f32;
    case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K: case TensorType::Q5_K:
    case TensorType::Q6_K:
      return ActivationKind::q8_256;
    default:
      return ActivationKind::q8_32;
  }
}

ActivationBuffers activation_buffers(ActivationKind kind, std::int64_t n_tokens, std::int64_t cols,
                                     std::byte* scratch) {
  if (kind == ActivationKind::f32) return {nullptr, nullptr, nullptr, nullptr, 0};
  const auto n = static_cast<std::size_t>(n_tokens * cols);
  const std::size_t d_at = align64(n);
  const std::size_t sums_at = d_at + align64(n / static_cast<std::size_t>(activation_block(kind)) * sizeof(float));
  const std::size_t tiles_at = sums_at + align64(n / 16 * sizeof(std::int32_t));
  constexpr std::int64_t T = kActivationTileTokens;
  const std::size_t tile_bytes = kind == ActivationKind::q8_32 ? static_cast<std::size_t>((n_tokens + T - 1) / T * T * cols) : 0;
  const std::size_t total = tiles_at + tile_bytes;
  if (!scratch) return {nullptr, nullptr, nullptr, nullptr, total};
  return {reinterpret_cast<std::int8_t*>(scratch), reinterpret_cast<float*>(scratch + d_at),
          reinterpret_cast<std::int32_t*>(scratch + sums_at),
          tile_bytes ? reinterpret_cast<std::int8_t*>(scratch + tiles_at) : nullptr, total};
}

ActivationView activation_view(ActivationKind kind, std::int64_t n_tokens, std::int64_t cols,
                               const ActivationBuffers& b) {
  return {kind, n_tokens, cols, nullptr, b.q, b.d, b.sums16};
}

ActivationView activation_rows(const ActivationView& v, std::int64_t begin, std::int64_t count) {
  ActivationView r = v;
  r.n_tokens = count;
  if (v.kind == ActivationKind::f32) {
    r.f32 = v.f32 + begin * v.cols;
    return r;
  }
  r.q = v.q + begin * v.cols;
  r.d = v.d + begin * (v.cols / activation_block(v.kind));
  r.sums16 = v.sums16 + begin * (v.cols / 16);
  r.q_tiles = v.q_tiles && begin % kActivationTileTokens == 0 ? v.q_tiles + begin * v.cols : nullptr;
  return r;
}

void tile_activation_rows(const std::int8_t* q, std::int64_t t_begin, std::int64_t t_end, std::int64_t cols,
                          std::int8_t* q_tiles) {
  const std::int64_t blocks = cols / 32;
  constexpr std::int64_t T = kActivationTileTokens;
  for (std::int64_t t = t_begin; t < t_end; ++t) {
    std::int8_t* out = q_tiles + t / T * T * cols + t % T * 32;
    for (std::int64_t b = 0; b < blocks; ++b) std::copy_n(q + t * cols + 32 * b, 32, out + b * 32 * T);
  }
}

void quantize_rows_ref(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                       std::int8_t* q, float* d, std::int32_t* sums16) {
  const std::int64_t block = activation_block(kind);
  for (std::int64_t i = 0; i < n_rows * cols; i += block) {
    float amax = 0;
    for (std::int64_t k = 0; k < block; ++k) amax = std::max(amax, std::fabs(x[i + k]));
    // Nearest-even rounding of x * (127 / amax): what the SIMD conversion instructions do.
    const float inverse = amax > 0 ? 127.0f / amax : 0.0f;
    d[i / block] = amax / 127.0f;
    for (std::int64_t k = 0; k < block; ++k) {
      q[i + k] = static_cast<std::int8_t>(std::clamp(std::nearbyint(x[i + k] * inverse), -127.0f, 127.0f));
    }
  }
  for (std::int64_t i = 0; i < n_rows * cols; i += 16) {
    std::int32_t s = 0;
    for (int k = 0; k < 16; ++k) s += q[i + k];
    sums16[i / 16] = s;
  }
}

}  // namespace memwall::quant
