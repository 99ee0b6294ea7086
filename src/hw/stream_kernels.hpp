#pragma once
// Private to hw/: the streaming kernels written once over a vector policy V and instantiated in one
// file per instruction set (compiled with that ISA's flags). Everything here sits in an anonymous
// namespace so each ISA's instantiation stays in its own file and never meets another's at link.
//
// V provides: Reg, kLanes, kAlign (bytes for streaming stores), zero(), set1(x), load(p),
// store(p, r), stream(p, r), add(a, b), fmadd(a, b, c) = a * b + c, hsum(r), fence(), and
// prefetch(address) (the line asked for into L1) for the prefetched read.
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

  // The same sum, read as two streams (the halves of [0, n), in turns of 512 bytes), each line asked
  // for 1 KiB ahead. On an Intel core (2-core Xeon VM, results/engine.md) one stream leaves the
  // hardware prefetcher short of DRAM's latency: read 26-28 GB/s on two cores, 33 with the prefetch,
  // 34 with two streams; triad, which reads two arrays, counted 44-48. On AMD Zen 4 a software
  // prefetch slowed streams down, so the probe times both reads and keeps the faster.
  static constexpr std::size_t kTurn = 512 / sizeof(double), kAheadBytes = 1024;
  static void read_turn(const double* p, Reg s[8]) {
    for (std::size_t i = 0; i < kTurn; i += 8 * L) {
      const auto at = reinterpret_cast<std::uintptr_t>(p + i) + kAheadBytes;  // may lie past the end: never faults
      for (std::size_t line = 0; line < 8 * L * sizeof(double); line += 64) V::prefetch(at + line);
      for (std::size_t k = 0; k < 8; ++k) s[k] = V::add(s[k], V::load(p + i + k * L));
    }
  }
  static double read_prefetched(const double* a, std::size_t n) {
    Reg s[8];
    for (Reg& r : s) r = V::zero();
    const std::size_t half = n / 2 / kTurn * kTurn;
    const double* second = a + half;
    for (std::size_t i = 0; i < half; i += kTurn) {
      read_turn(a + i, s);
      read_turn(second + i, s);
    }
    const Reg sum = V::add(V::add(V::add(s[0], s[1]), V::add(s[2], s[3])),
                           V::add(V::add(s[4], s[5]), V::add(s[6], s[7])));
    return V::hsum(sum) + read(a + 2 * half, n - 2 * half);
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
  // The same table with the prefetched read (the other kernels are shared, and timed once).
  static constexpr BandwidthKernels prefetched_table(std::string_view isa) {
    return BandwidthKernels{isa, read_prefetched, write, write_nt, copy, triad};
  }
};

}  // namespace
}  // namespace memwall::hw
