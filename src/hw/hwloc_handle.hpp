#pragma once
// Private to hw/: an owned, loaded hwloc topology.
#include <hwloc.h>

#include <memory>

#include "memwall/util/result.hpp"

namespace memwall::hw {

struct HwlocDeleter {
  void operator()(hwloc_topology* topology) const { hwloc_topology_destroy(topology); }
};
using HwlocTopology = std::unique_ptr<hwloc_topology, HwlocDeleter>;

struct HwlocBitmapDeleter {
  void operator()(hwloc_bitmap_s* bitmap) const { hwloc_bitmap_free(bitmap); }
};
using HwlocBitmap = std::unique_ptr<hwloc_bitmap_s, HwlocBitmapDeleter>;

// with_io: also discover PCI and OS devices (GPUs), which costs a few milliseconds more.
Result<HwlocTopology> load_hwloc_topology(bool with_io);

// The topology used for binding threads: loaded once, never modified afterwards.
hwloc_topology* binding_topology();

}  // namespace memwall::hw
