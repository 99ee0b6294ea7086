#include "memwall/hw/topology.hpp"

#include <algorithm>

#include "hwloc_handle.hpp"

namespace memwall::hw {
namespace {

unsigned count_of(hwloc_topology* topology, hwloc_obj_type_t type) {
  const int n = hwloc_get_nbobjs_by_type(topology, type);
  return n > 0 ? static_cast<unsigned>(n) : 0;
}

std::vector<Core> collect_cores(hwloc_topology* topology) {
  std::vector<Core> cores;
  const unsigned n = count_of(topology, HWLOC_OBJ_CORE);
  for (unsigned i = 0; i < n; ++i) {
    hwloc_obj_t core = hwloc_get_obj_by_type(topology, HWLOC_OBJ_CORE, i);
    Core c;
    c.index = i;
    if (hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, core)) {
      c.package = pkg->logical_index;
    }
    unsigned id = 0;
    hwloc_bitmap_foreach_begin(id, core->cpuset) { c.pu_os_ids.push_back(id); }
    hwloc_bitmap_foreach_end();
    cores.push_back(std::move(c));
  }
  return cores;
}

std::vector<unsigned> cores_within(hwloc_topology* topology, hwloc_obj_t cache) {
  std::vector<unsigned> cores;
  const unsigned n = count_of(topology, HWLOC_OBJ_CORE);
  for (unsigned i = 0; i < n; ++i) {
    hwloc_obj_t core = hwloc_get_obj_by_type(topology, HWLOC_OBJ_CORE, i);
    if (hwloc_bitmap_isincluded(core->cpuset, cache->cpuset)) cores.push_back(i);
  }
  return cores;
}

std::vector<CacheLevel> collect_caches(hwloc_topology* topology) {
  // Data and unified caches only: instruction caches do not hold model weights.
  const hwloc_obj_type_t types[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
                                    HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};
  std::vector<CacheLevel> levels;
  for (unsigned t = 0; t < std::size(types); ++t) {
    const unsigned n = count_of(topology, types[t]);
    if (n == 0) continue;
    CacheLevel level;
    level.level = t + 1;
    for (unsigned i = 0; i < n; ++i) {
      hwloc_obj_t cache = hwloc_get_obj_by_type(topology, types[t], i);
      level.size_bytes = std::max<std::uint64_t>(level.size_bytes, cache->attr->cache.size);
      level.instance_cores.push_back(cores_within(topology, cache));
    }
    levels.push_back(std::move(level));
  }
  return levels;
}

std::vector<NumaNode> collect_numa_nodes(hwloc_topology* topology) {
  std::vector<NumaNode> nodes;
  const unsigned n = count_of(topology, HWLOC_OBJ_NUMANODE);
  for (unsigned i = 0; i < n; ++i) {
    hwloc_obj_t node = hwloc_get_obj_by_type(topology, HWLOC_OBJ_NUMANODE, i);
    nodes.push_back({i, node->attr ? node->attr->numanode.local_memory : 0});
  }
  return nodes;
}

}  // namespace

Result<HwlocTopology> load_hwloc_topology(bool with_io) {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) return make_error("hwloc: cannot initialise topology");
  HwlocTopology topology(raw);
  hwloc_topology_set_io_types_filter(
      raw, with_io ? HWLOC_TYPE_FILTER_KEEP_IMPORTANT : HWLOC_TYPE_FILTER_KEEP_NONE);
#if defined(__linux__)
  // On Linux the linux component reads PCI devices from sysfs; the libpciaccess-based "pci"
  // component finds nothing more and leaks a little on every load.
  hwloc_topology_set_components(raw, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "pci");
#endif
  if (hwloc_topology_load(raw) != 0) return make_error("hwloc: cannot load the topology");
  return topology;
}

hwloc_topology* binding_topology() {
  // Loaded once and read-only afterwards; hwloc's binding calls are thread-safe on it.
  static const HwlocTopology topology = [] {
    Result<HwlocTopology> loaded = load_hwloc_topology(false);
    return loaded.ok() ? std::move(loaded).value() : HwlocTopology{};
  }();
  return topology.get();
}

std::uint64_t Topology::last_level_cache_total_bytes() const {
  if (caches.empty()) return 0;
  const CacheLevel& last = caches.back();
  return last.size_bytes * last.instance_cores.size();
}

Result<Topology> detect_topology() {
  Result<HwlocTopology> loaded = load_hwloc_topology(false);
  if (!loaded.ok()) return loaded.error();
  hwloc_topology* topology = loaded->get();
  Topology t;
  t.packages = std::max(1u, count_of(topology, HWLOC_OBJ_PACKAGE));
  t.hardware_threads = count_of(topology, HWLOC_OBJ_PU);
  t.cores = collect_cores(topology);
  t.numa_nodes = collect_numa_nodes(topology);
  t.caches = collect_caches(topology);
  if (t.cores.empty() || t.hardware_threads == 0) {
    return make_error("hwloc: the topology lists no cores");
  }
  return t;
}

Status bind_current_thread(std::span<const unsigned> pu_os_ids) {
  hwloc_topology* topology = binding_topology();
  if (!topology) return make_error("hwloc: no topology to bind threads with");
  HwlocBitmap set(hwloc_bitmap_alloc());
  for (unsigned id : pu_os_ids) hwloc_bitmap_set(set.get(), id);
  if (hwloc_set_cpubind(topology, set.get(), HWLOC_CPUBIND_THREAD) != 0) {
    return make_error("hwloc: cannot bind thread to its core");
  }
  return {};
}

std::vector<unsigned> current_thread_binding() {
  std::vector<unsigned> ids;
  hwloc_topology* topology = binding_topology();
  if (!topology) return ids;
  HwlocBitmap set(hwloc_bitmap_alloc());
  if (hwloc_get_cpubind(topology, set.get(), HWLOC_CPUBIND_THREAD) != 0) return ids;
  unsigned id = 0;
  hwloc_bitmap_foreach_begin(id, set.get()) { ids.push_back(id); }
  hwloc_bitmap_foreach_end();
  return ids;
}

}  // namespace memwall::hw
