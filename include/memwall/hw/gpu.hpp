#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace memwall::hw {

// A GPU that hwloc or the OS shows. Not measured: listed so the user sees what memwall did not use.
struct GpuInfo {
  std::string name;
  std::string vendor;
  std::uint64_t memory_bytes = 0;  // 0 = not discoverable
  std::string source;              // "hwloc-pci", "hwloc-osdev", "sysfs"
};

std::vector<GpuInfo> detect_gpus();

}  // namespace memwall::hw
