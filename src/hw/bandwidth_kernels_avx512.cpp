#include <immintrin.h>

#include <cstdint>

#include "bandwidth_kernels_isa.hpp"
#include "stream_kernels.hpp"

namespace memwall::hw {
namespace {

struct Avx512 {
  using Reg = __m512d;
  static constexpr std::size_t kLanes = 8;
  static constexpr std::size_t kAlign = 64;
  static Reg zero() { return _mm512_setzero_pd(); }
  static Reg set1(double x) { return _mm512_set1_pd(x); }
  static Reg load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, Reg r) { _mm512_storeu_pd(p, r); }
  static void stream(double* p, Reg r) { _mm512_stream_pd(p, r); }
  static Reg add(Reg a, Reg b) { return _mm512_add_pd(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_pd(a, b, c); }
  // Through memory: GCC 12's reduce and extract intrinsics trip a false -Wuninitialized
  // (GCC bug 105593). Runs once per call, so the cost does not matter.
  static double hsum(Reg r) {
    alignas(64) double lanes[8];
    _mm512_store_pd(lanes, r);
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
           ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  }
  static void fence() { _mm_sfence(); }
  static void prefetch(std::uintptr_t at) { _mm_prefetch(reinterpret_cast<const char*>(at), _MM_HINT_T0); }
};

}  // namespace

const BandwidthKernels& avx512_bandwidth_kernels() {
  static constexpr BandwidthKernels kernels = StreamKernels<Avx512>::table("avx512");
  return kernels;
}

const BandwidthKernels& avx512_prefetched_bandwidth_kernels() {
  static constexpr BandwidthKernels kernels = StreamKernels<Avx512>::prefetched_table("avx512+prefetch");
  return kernels;
}

}  // namespace memwall::hw
