#include <cstdint>

#include "compute_kernels_isa.hpp"

namespace memwall::hw {
namespace {

double f32_generic(std::uint64_t iterations, float seed) {
  float acc[kPeakChains];
  for (int k = 0; k < kPeakChains; ++k) acc[k] = 0.01f * static_cast<float>(k);
  const float a = seed, b = 0.5f;
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int k = 0; k < kPeakChains; ++k) acc[k] = acc[k] * a + b;
  }
  double sum = 0;
  for (float x : acc) sum += x;
  return sum;
}

double int8_generic(std::uint64_t iterations, float seed) {
  std::uint32_t acc[kPeakChains] = {};  // unsigned: wraps instead of overflowing on long runs
  std::int8_t a[4], b[4] = {1, 2, 3, 4};
  for (int j = 0; j < 4; ++j) a[j] = static_cast<std::int8_t>(seed * 10 + static_cast<float>(j));
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int k = 0; k < kPeakChains; ++k) {
      for (int j = 0; j < 4; ++j) acc[k] += static_cast<std::uint32_t>(a[j] * b[j]);
      b[k & 3] = static_cast<std::int8_t>(b[k & 3] ^ 1);  // keeps the products from being hoisted
    }
  }
  double sum = 0;
  for (std::uint32_t x : acc) sum += x;
  return sum;
}

}  // namespace

std::vector<PeakKernel> runnable_f32_kernels(const IsaFeatures& isa) {
  std::vector<PeakKernel> kernels;
#if defined(__x86_64__)
  if (isa.has_avx512()) kernels.push_back(avx512_f32_kernel());
  if (isa.has_avx2_fma()) kernels.push_back(avx2_f32_kernel());
#elif defined(__aarch64__)
  if (isa.neon) kernels.push_back(neon_f32_kernel());
#endif
  kernels.push_back({"f32-fma", "scalar", 2.0 * kPeakChains, f32_generic});
  return kernels;
}

std::vector<PeakKernel> runnable_int8_kernels(const IsaFeatures& isa) {
  std::vector<PeakKernel> kernels;
#if defined(__x86_64__)
  if (isa.has_avx512() && isa.avx512vnni) kernels.push_back(avx512_vnni_int8_kernel());
  if (isa.has_avx2_fma() && isa.avx_vnni) kernels.push_back(avx_vnni_int8_kernel());
  if (isa.has_avx2_fma()) kernels.push_back(avx2_int8_kernel());
#elif defined(__aarch64__)
  if (isa.dotprod) kernels.push_back(neon_dotprod_int8_kernel());
#endif
  kernels.push_back({"int8-dot", "scalar", 2.0 * 4 * kPeakChains, int8_generic});
  return kernels;
}

}  // namespace memwall::hw
