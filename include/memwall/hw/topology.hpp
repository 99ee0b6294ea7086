#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "memwall/util/result.hpp"

namespace memwall::hw {

struct Core {
  unsigned index = 0;                // logical index, 0..cores-1
  unsigned package = 0;              // logical package index
  std::vector<unsigned> pu_os_ids;   // OS ids of its hardware threads
};

// One cache level (data or unified) as hwloc sees it: how big one instance is and which cores
// share each instance.
struct CacheLevel {
  unsigned level = 0;                               // 1, 2, 3, ...
  std::uint64_t size_bytes = 0;                     // of one instance; 0 = unknown
  std::vector<std::vector<unsigned>> instance_cores;  // per instance: logical core indices
};

struct NumaNode {
  unsigned index = 0;
  std::uint64_t local_memory_bytes = 0;  // 0 = unknown
};

struct Topology {
  unsigned packages = 0;
  unsigned hardware_threads = 0;
  std::vector<Core> cores;
  std::vector<NumaNode> numa_nodes;
  std::vector<CacheLevel> caches;  // ascending level

  unsigned physical_cores() const { return static_cast<unsigned>(cores.size()); }
  // Total bytes of the last (largest-numbered) cache level over all its instances; 0 if unknown.
  std::uint64_t last_level_cache_total_bytes() const;
};

Result<Topology> detect_topology();

// Binds the calling thread to the given hardware threads (OS ids) through hwloc.
Status bind_current_thread(std::span<const unsigned> pu_os_ids);
// The hardware threads the calling thread may run on now (OS ids).
std::vector<unsigned> current_thread_binding();

}  // namespace memwall::hw
