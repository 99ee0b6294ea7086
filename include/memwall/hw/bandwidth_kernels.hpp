#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

#include "memwall/hw/cpu.hpp"

namespace memwall::hw {

// Streaming kernels over arrays of doubles, one table per instruction set. Every table computes the
// same results as the generic one (tests hold them to it); only the speed differs.
struct BandwidthKernels {
  std::string_view isa;
  // Sum of a[0..n): a reduction the compiler cannot drop, because the result is returned.
  double (*read)(const double* a, std::size_t n);
  // a[i] = value, with ordinary stores (the line is read for ownership first).
  void (*write)(double* a, std::size_t n, double value);
  // a[i] = value, with non-temporal stores that bypass the caches (no read for ownership).
  void (*write_nt)(double* a, std::size_t n, double value);
  // dst[i] = src[i], with non-temporal stores where the ISA has them
  void (*copy)(double* dst, const double* src, std::size_t n);
  // a[i] = b[i] + scalar * c[i] (STREAM's triad), with non-temporal stores where the ISA has them
  void (*triad)(double* a, const double* b, const double* c, double scalar, std::size_t n);
};

const BandwidthKernels& generic_bandwidth_kernels();
// Every table this CPU can run, widest first, each x86 ISA's plain table before its prefetched one
// (whose read runs two prefetched streams); the last is always the generic one.
std::vector<const BandwidthKernels*> runnable_bandwidth_kernels(const IsaFeatures& isa);

}  // namespace memwall::hw
