#include "memwall/hw/gpu.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hwloc_handle.hpp"

namespace memwall::hw {
namespace {

std::string info_or(hwloc_obj_t obj, const char* name, std::string fallback) {
  const char* value = hwloc_obj_get_info_by_name(obj, name);
  return value && *value ? value : fallback;
}

// VRAM from the GPU-specific hwloc backends when present (values in KiB), else 0.
std::uint64_t osdev_memory_bytes(hwloc_obj_t osdev) {
  for (const char* key : {"CUDAGlobalMemorySize", "RSMIVRAMSize", "LevelZeroHBMSize"}) {
    if (const char* kib = hwloc_obj_get_info_by_name(osdev, key)) {
      return std::strtoull(kib, nullptr, 10) * 1024;
    }
  }
  return 0;
}

// amdgpu exposes VRAM size in sysfs under the PCI device.
std::uint64_t sysfs_vram_bytes(const hwloc_obj_t pci) {
  char address[32];
  std::snprintf(address, sizeof(address), "%04x:%02x:%02x.%01x", pci->attr->pcidev.domain,
                pci->attr->pcidev.bus, pci->attr->pcidev.dev, pci->attr->pcidev.func);
  std::ifstream in(std::filesystem::path("/sys/bus/pci/devices") / address / "mem_info_vram_total");
  std::uint64_t bytes = 0;
  return (in >> bytes) ? bytes : 0;
}

bool is_display_controller(hwloc_obj_t pci) {
  return (pci->attr->pcidev.class_id >> 8) == 0x03;  // PCI base class 03h: display controller
}

GpuInfo gpu_from_pci(hwloc_obj_t pci) {
  GpuInfo gpu;
  gpu.name = info_or(pci, "PCIDevice", "PCI device");
  gpu.vendor = info_or(pci, "PCIVendor", "unknown");
  gpu.source = "hwloc-pci";
  gpu.memory_bytes = sysfs_vram_bytes(pci);
  for (hwloc_obj_t child = pci->io_first_child; child; child = child->next_sibling) {
    if (child->type != HWLOC_OBJ_OS_DEVICE) continue;
    if (std::uint64_t bytes = osdev_memory_bytes(child); bytes) gpu.memory_bytes = bytes;
    gpu.name = info_or(child, "GPUModel", gpu.name);
    gpu.vendor = info_or(child, "GPUVendor", gpu.vendor);
  }
  return gpu;
}

}  // namespace

std::vector<GpuInfo> detect_gpus() {
  std::vector<GpuInfo> gpus;
  Result<HwlocTopology> loaded = load_hwloc_topology(true);
  if (!loaded.ok()) return gpus;
  hwloc_topology* topology = loaded->get();
  for (hwloc_obj_t pci = hwloc_get_next_pcidev(topology, nullptr); pci;
       pci = hwloc_get_next_pcidev(topology, pci)) {
    if (is_display_controller(pci)) gpus.push_back(gpu_from_pci(pci));
  }
  return gpus;
}

}  // namespace memwall::hw
