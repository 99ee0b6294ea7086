#pragma once
#include <cstdint>

#include "memwall/util/result.hpp"

namespace memwall::hw {

struct LatencyResult {
  std::uint64_t array_bytes = 0;
  std::uint64_t loads = 0;           // dependent loads timed
  double ns_per_load = 0;            // best of the repetitions
  bool huge_pages_requested = false;
};

// A dependent chase through one random cycle over every 64-byte line of the array (so neither the
// prefetchers nor out-of-order execution can overlap the loads), single-threaded. The cycle comes
// from a seeded shuffle: the same seed gives the same walk on every run.
Result<LatencyResult> measure_latency(std::uint64_t array_bytes, std::uint64_t loads,
                                      unsigned repetitions, std::uint64_t seed);

}  // namespace memwall::hw
