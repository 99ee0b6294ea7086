// ARM feature detection: getauxval on Linux, sysctl on macOS.
#include <fstream>
#include <string>

#include "memwall/hw/cpu.hpp"

#if defined(__linux__)
#include <sys/auxv.h>
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#endif

namespace memwall::hw {
namespace {

#if defined(__linux__)
// Bit positions from the Linux arm64 uapi hwcap.h, spelled out so older headers still build.
constexpr unsigned long kHwcapAsimd = 1ul << 1;
constexpr unsigned long kHwcapAsimdDp = 1ul << 20;
constexpr unsigned long kHwcapSve = 1ul << 22;
constexpr unsigned long kHwcap2I8mm = 1ul << 13;
constexpr unsigned long kHwcap2Sme = 1ul << 23;

IsaFeatures detect_features() {
  const unsigned long hwcap = getauxval(AT_HWCAP);
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);
  IsaFeatures f;
  f.neon = hwcap & kHwcapAsimd;
  f.dotprod = hwcap & kHwcapAsimdDp;
  f.sve = hwcap & kHwcapSve;
  f.i8mm = hwcap2 & kHwcap2I8mm;
  f.sme = hwcap2 & kHwcap2Sme;
  return f;
}

// /proc/cpuinfo on arm64 has no brand string; the implementer and part identify the core.
std::string cpuinfo_field(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return {};
}

CpuInfo detect() {
  const std::string implementer = cpuinfo_field("CPU implementer");
  const std::string part = cpuinfo_field("CPU part");
  std::string model = cpuinfo_field("model name");
  if (model.empty()) model = "implementer " + implementer + " part " + part;
  return CpuInfo{"aarch64", implementer.empty() ? "unknown" : "arm:" + implementer, model,
                 detect_features()};
}
#elif defined(__APPLE__)
bool sysctl_flag(const char* name) {
  int value = 0;
  size_t size = sizeof(value);
  return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
}

std::string sysctl_string(const char* name) {
  char buffer[256] = {};
  size_t size = sizeof(buffer) - 1;
  if (sysctlbyname(name, buffer, &size, nullptr, 0) != 0) return "unknown";
  return buffer;
}

CpuInfo detect() {
  IsaFeatures f;
  f.neon = true;  // baseline on every arm64 Mac
  f.dotprod = sysctl_flag("hw.optional.arm.FEAT_DotProd");
  f.i8mm = sysctl_flag("hw.optional.arm.FEAT_I8MM");
  f.sme = sysctl_flag("hw.optional.arm.FEAT_SME");
  return CpuInfo{"aarch64", "Apple", sysctl_string("machdep.cpu.brand_string"), f};
}
#else
CpuInfo detect() {
  IsaFeatures f;
  f.neon = true;
  return CpuInfo{"aarch64", "unknown", "unknown", f};
}
#endif

}  // namespace

CpuInfo detect_cpu() { return detect(); }

}  // namespace memwall::hw
