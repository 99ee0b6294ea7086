// x86 feature detection through cpuid and xgetbv: a feature counts only when the CPU has it and the
// OS saves the registers it needs (XCR0), so the kernels chosen from it can actually run.
#include <cpuid.h>

#include <cstdint>
#include <cstring>

#include "memwall/hw/cpu.hpp"

namespace memwall::hw {
namespace {

struct Regs {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

Regs cpuid(unsigned leaf, unsigned subleaf = 0) {
  Regs r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

bool bit(unsigned value, int index) { return (value >> index) & 1u; }

std::uint64_t read_xcr0() {
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

std::string vendor_string() {
  const Regs r = cpuid(0);
  char vendor[13] = {};
  std::memcpy(vendor + 0, &r.ebx, 4);
  std::memcpy(vendor + 4, &r.edx, 4);
  std::memcpy(vendor + 8, &r.ecx, 4);
  return vendor;
}

std::string brand_string() {
  if (cpuid(0x80000000).eax < 0x80000004) return "unknown";
  char brand[49] = {};
  for (unsigned i = 0; i < 3; ++i) {
    const Regs r = cpuid(0x80000002 + i);
    std::memcpy(brand + 16 * i + 0, &r.eax, 4);
    std::memcpy(brand + 16 * i + 4, &r.ebx, 4);
    std::memcpy(brand + 16 * i + 8, &r.ecx, 4);
    std::memcpy(brand + 16 * i + 12, &r.edx, 4);
  }
  std::string s(brand);
  const auto first = s.find_first_not_of(' ');
  const auto last = s.find_last_not_of(' ');
  return first == std::string::npos ? "unknown" : s.substr(first, last - first + 1);
}

IsaFeatures detect_features() {
  IsaFeatures f;
  const unsigned max_leaf = cpuid(0).eax;
  const Regs l1 = cpuid(1);
  f.sse42 = bit(l1.ecx, 20);
  const bool osxsave = bit(l1.ecx, 27);
  const std::uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  const bool os_ymm = (xcr0 & 0x6) == 0x6;            // SSE and AVX state
  const bool os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM_Hi256, Hi16_ZMM
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;     // XTILECFG, XTILEDATA
  f.avx = os_ymm && bit(l1.ecx, 28);
  f.fma = os_ymm && bit(l1.ecx, 12);
  f.f16c = os_ymm && bit(l1.ecx, 29);
  if (max_leaf < 7) return f;
  const Regs l7 = cpuid(7, 0);
  f.avx2 = os_ymm && bit(l7.ebx, 5);
  f.avx512f = os_zmm && bit(l7.ebx, 16);
  f.avx512bw = os_zmm && bit(l7.ebx, 30);
  f.avx512vl = os_zmm && bit(l7.ebx, 31);
  f.avx512vnni = os_zmm && bit(l7.ecx, 11);
  f.amx = os_amx && bit(l7.edx, 24) && bit(l7.edx, 25);
  if (l7.eax >= 1) {
    const Regs l7s1 = cpuid(7, 1);
    f.avx_vnni = os_ymm && bit(l7s1.eax, 4);
    f.avx512bf16 = os_zmm && bit(l7s1.eax, 5);
  }
  return f;
}

// CPUID leaf 1's family: the base family, plus the extended family when the base is 0xF.
int family() {
  const unsigned eax = cpuid(1).eax;
  const unsigned base = (eax >> 8) & 0xFu;
  return static_cast<int>(base == 0xFu ? base + ((eax >> 20) & 0xFFu) : base);
}

}  // namespace

CpuInfo detect_cpu() {
  return CpuInfo{"x86_64", vendor_string(), brand_string(), detect_features(), family()};
}

}  // namespace memwall::hw
