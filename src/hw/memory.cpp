#include "memwall/hw/memory.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#if defined(__APPLE__)
#include <mach/mach.h>
#include <sys/sysctl.h>
#endif

namespace memwall::hw {
namespace {

#if defined(__linux__)
// Value of a /proc/meminfo line such as "MemAvailable:   24319424 kB", in bytes.
std::uint64_t meminfo_bytes(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  std::uint64_t value = 0;
  std::string unit;
  while (in >> name >> value) {
    std::getline(in, unit);
    if (name == key + ":") return unit.find("kB") != std::string::npos ? value * 1024 : value;
  }
  return 0;
}

std::string transparent_huge_pages() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  if (!std::getline(in, line)) return "unsupported";
  const auto open = line.find('['), close = line.find(']');
  if (open == std::string::npos || close == std::string::npos) return "unknown";
  return line.substr(open + 1, close - open - 1);
}

std::uint64_t total_bytes() { return meminfo_bytes("MemTotal"); }
std::uint64_t available_bytes() { return meminfo_bytes("MemAvailable"); }

#elif defined(__APPLE__)
std::string transparent_huge_pages() { return "unsupported"; }

std::uint64_t total_bytes() {
  std::uint64_t bytes = 0;
  size_t size = sizeof(bytes);
  sysctlbyname("hw.memsize", &bytes, &size, nullptr, 0);
  return bytes;
}

std::uint64_t available_bytes() {
  vm_statistics64_data_t stats{};
  mach_msg_type_number_t count = HOST_VM_INFO64_COUNT;
  if (host_statistics64(mach_host_self(), HOST_VM_INFO64, reinterpret_cast<host_info64_t>(&stats),
                        &count) != KERN_SUCCESS) {
    return 0;
  }
  const std::uint64_t pages =
      std::uint64_t{stats.free_count} + stats.inactive_count + stats.purgeable_count;
  return pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}
#endif

}  // namespace

std::uint64_t available_memory_bytes() { return available_bytes(); }

MemoryInfo detect_memory() {
  MemoryInfo m;
  m.total_bytes = total_bytes();
  m.available_bytes = available_bytes();
  m.page_size_bytes = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  m.transparent_huge_pages = transparent_huge_pages();
  return m;
}

}  // namespace memwall::hw
