// F32, F16 and BF16 rows. The stored side goes through memcpy, one element at a time, so that it
// may sit at any byte offset (a tensor inside a file, a caller's byte span); compilers turn each
// copy into a plain load or store.
#include <cstring>

#include "half_bits.hpp"
#include "reference_rows.hpp"

namespace memwall::quant::ref {
namespace {

template <std::uint16_t (*encode)(float)>
void encode_halves(const float* x, void* y, std::int64_t n) {
  auto* out = static_cast<unsigned char*>(y);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint16_t h = encode(x[i]);
    std::memcpy(out + 2 * i, &h, sizeof h);
  }
}

template <float (*decode)(std::uint16_t)>
void decode_halves(const void* x, float* y, std::int64_t n) {
  const auto* in = static_cast<const unsigned char*>(x);
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint16_t h;
    std::memcpy(&h, in + 2 * i, sizeof h);
    y[i] = decode(h);
  }
}

}  // namespace

void quantize_f32(const float* x, void* y, std::int64_t n) {
  std::memcpy(y, x, static_cast<std::size_t>(n) * sizeof(float));
}

void dequantize_f32(const void* x, float* y, std::int64_t n) {
  std::memcpy(y, x, static_cast<std::size_t>(n) * sizeof(float));
}

void quantize_f16(const float* x, void* y, std::int64_t n) {
  encode_halves<detail::encode_f16>(x, y, n);
}
void dequantize_f16(const void* x, float* y, std::int64_t n) {
  decode_halves<detail::decode_f16>(x, y, n);
}
void quantize_bf16(const float* x, void* y, std::int64_t n) {
  encode_halves<detail::encode_bf16>(x, y, n);
}
void dequantize_bf16(const void* x, float* y, std::int64_t n) {
  decode_halves<detail::decode_bf16>(x, y, n);
}

}  // namespace memwall::quant::ref
