#include <immintrin.h>

#include <cstdint>

#include "bandwidth_kernels_isa.hpp"
#include "stream_kernels.hpp"

namespace memwall::hw {
namespace {

struct Avx2 {
  using Reg = __m256d;
  static constexpr std::size_t kLanes = 4;
  static constexpr std::size_t kAlign = 32;
  static Reg zero() { return _mm256_setzero_pd(); }
  static Reg set1(double x) { return _mm256_set1_pd(x); }
  static Reg load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, Reg r) { _mm256_storeu_pd(p, r); }
  static void stream(double* p, Reg r) { _mm256_stream_pd(p, r); }
  static Reg add(Reg a, Reg b) { return _mm256_add_pd(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_pd(a, b, c); }
  static double hsum(Reg r) {
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(r), _mm256_extractf128_pd(r, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
  }
  static void fence() { _mm_sfence(); }
  static void prefetch(std::uintptr_t at) { _mm_prefetch(reinterpret_cast<const char*>(at), _MM_HINT_T0); }
};

}  // namespace

const BandwidthKernels& avx2_bandwidth_kernels() {
  static constexpr BandwidthKernels kernels = StreamKernels<Avx2>::table("avx2");
  return kernels;
}

const BandwidthKernels& avx2_prefetched_bandwidth_kernels() {
  static constexpr BandwidthKernels kernels = StreamKernels<Avx2>::prefetched_table("avx2+prefetch");
  return kernels;
}

}  // namespace memwall::hw
