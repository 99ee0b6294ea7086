#include "bandwidth_kernels_isa.hpp"
#include "stream_kernels.hpp"

namespace memwall::hw {
namespace {

// One double per "register": the compiler vectorises the unrolled loops for the baseline ISA.
// There is no portable streaming store, so stream() is a plain store here.
struct Scalar {
  using Reg = double;
  static constexpr std::size_t kLanes = 1;
  static constexpr std::size_t kAlign = alignof(double);
  static Reg zero() { return 0.0; }
  static Reg set1(double x) { return x; }
  static Reg load(const double* p) { return *p; }
  static void store(double* p, Reg r) { *p = r; }
  static void stream(double* p, Reg r) { *p = r; }
  static Reg add(Reg a, Reg b) { return a + b; }
  static Reg fmadd(Reg a, Reg b, Reg c) { return a * b + c; }
  static double hsum(Reg r) { return r; }
  static void fence() {}
};

}  // namespace

const BandwidthKernels& generic_bandwidth_kernels() {
  static constexpr BandwidthKernels kernels = StreamKernels<Scalar>::table("generic");
  return kernels;
}

std::vector<const BandwidthKernels*> runnable_bandwidth_kernels(const IsaFeatures& isa) {
  std::vector<const BandwidthKernels*> tables;
#if defined(__x86_64__)
  if (isa.has_avx512()) {
    tables.push_back(&avx512_bandwidth_kernels());
    tables.push_back(&avx512_prefetched_bandwidth_kernels());
  }
  if (isa.has_avx2_fma()) {
    tables.push_back(&avx2_bandwidth_kernels());
    tables.push_back(&avx2_prefetched_bandwidth_kernels());
  }
#else
  (void)isa;
#endif
  tables.push_back(&generic_bandwidth_kernels());
  return tables;
}

}  // namespace memwall::hw
