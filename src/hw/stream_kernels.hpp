#pragma once
// Private to hw/: the streaming kernels written once over a vector policy V and instantiated in one
// file per instruction set (compiled with that ISA's flags). Everything here sits in an anonymous
// namespace so each ISA's instantiation stays in its own file and never meets another's at link.
//
// V provides: Reg, kLanes, kAlign (bytes for streaming stores), zero(), set1(x), load(p),
// store(p, r), stream(p, r), add(a, b), fmadd(a, b, c) = a * b + c, hsum(r), fence().
#include <cstddef>
#include <cstdint>

#include "memwall/hw/bandwidth_kernels.hpp"

namespace memwall::hw {
namespace {

template <typename V>
struct StreamKernels {
  using Reg = typename V::Reg;
  static constexpr std::size_t L = V::kLanes;

  // Streaming stores need aligned addresses: `scalar(j)` handles elements up to the first aligned
  // one of `dst`; returns that element's index.
  template <typename Scalar>
  static std::size_t head_to_alignment(const double* dst, std::size_t n, Scalar scalar) {
    std::size_t i = 0;
    for (; i < n && reinterpret_cast<std::uintptr_t>(dst + i) % V::kAlign != 0; ++i) scalar(i);
    return i;
  }

  static double read(const double* a, std::size_t n) {
    // Eight independent sums: two loads per cycle times a 4-cycle add latency.
    Reg s0 = V::zero(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    std::size_t i = 0;
    for (; i + 8 * L <= n; i += 8 * L) {
      s0 = V::add(s0, V::load(a + i + 0 * L));
      s1 = V::add(s1, V::load(a + i + 1 * L));
      s2 = V::add(s2, V::load(a + i + 2 * L));
      s3 = V::add(s3, V::load(a + i + 3 * L));
      s4 = V::add(s4, V::load(a + i + 4 * L));
      s5 = V::add(s5, V::load(a + i + 5 * L));
      s6 = V::add(s6, V::load(a + i + 6 * L));
      s7 = V::add(s7, V::load(a + i + 7 * L));
    }
    const Reg s = V::add(V::add(V::add(s0, s1), V::add(s2, s3)),
                         V::add(V::add(s4, s5), V::add(s6, s7)));
    double sum = V::hsum(s);
    for (; i < n; ++i) sum += a[i];
    return sum;
  }

  static void write(double* a, std::size_t n, double value) {
    const Reg v = V::set1(value);
    std::size_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
      for (std::size_t k = 0; k < 4; ++k) V::store(a + i + k * L, v);
    }
    for (; i < n; ++i) a[i] = value;
  }

  static void write_nt(double* a, std::size_t n, double value) {
    const Reg v = V::set1(value);
    std::size_t i = head_to_alignment(a, n, [&](std::size_t j) { a[j] = value; });
    for (; i + 4 * L <= n; i += 4 * L) {
      for (std::size_t k = 0; k < 4; ++k) V::stream(a + i + k * L, v);
    }
    for (; i < n; ++i) a[i] = value;
    V::fence();
  }

  // copy and triad store with streaming stores, as an optimised STREAM does (glibc's memcpy, which
  // gcc makes of STREAM's copy loop, does the same for large arrays): the arrays are far larger
  // than the caches, so reading each destination line for ownership first would only add traffic.
  static void copy(double* dst, const double* src, std::size_t n) {
    std::size_t i = head_to_alignment(dst, n, [&](std::size_t j) { dst[j] = src[j]; });
    for (; i + 4 * L <= n; i += 4 * L) {
      const Reg v0 = V::load(src + i), v1 = V::load(src + i + L);
      const Reg v2 = V::load(src + i + 2 * L), v3 = V::load(src + i + 3 * L);
      V::stream(dst + i, v0);
      V::stream(dst + i + L, v1);
      V::stream(dst + i + 2 * L, v2);
      V::stream(dst + i + 3 * L, v3);
    }
    for (; i < n; ++i) dst[i] = src[i];
    V::fence();
  }

  static void triad(double* a, const double* b, const double* c, double scalar, std::size_t n) {
    const Reg s = V::set1(scalar);
    std::size_t i = head_to_alignment(a, n, [&](std::size_t j) { a[j] = b[j] + scalar * c[j]; });
    for (; i + 2 * L <= n; i += 2 * L) {
      const Reg r0 = V::fmadd(s, V::load(c + i), V::load(b + i));
      const Reg r1 = V::fmadd(s, V::load(c + i + L), V::load(b + i + L));
      V::stream(a + i, r0);
      V::stream(a + i + L, r1);
    }
    for (; i < n; ++i) a[i] = b[i] + scalar * c[i];
    V::fence();
  }

  static constexpr BandwidthKernels table(std::string_view isa) {
    return BandwidthKernels{isa, read, write, write_nt, copy, triad};
  }
};

}  // namespace
}  // namespace memwall::hw
