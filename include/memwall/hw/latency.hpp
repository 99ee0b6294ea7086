#pragma once
#include <cstdint>
#include <optional>

#include "memwall/hw/thread_team.hpp"
#include "memwall/hw/topology.hpp"
#include "memwall/util/result.hpp"

namespace memwall::hw {

// A cache line's round trip from the first physical core to another and back: the nearest and the
// farthest of the other cores. Tens of nanoseconds between cores that share a cache, hundreds
// between two core complexes or sockets; on the Zen 5 VM of results/engine.md the host moved its
// two cores between those (55-172 ns against 506-573), and the memory bandwidth with them.
struct CoreRoundTrip {
  double nearest_ns = 0;
  double farthest_ns = 0;
};

struct LatencyResult {
  std::uint64_t array_bytes = 0;
  std::uint64_t loads = 0;           // dependent loads timed
  double ns_per_load = 0;            // best of the repetitions
  bool huge_pages_requested = false;
  std::optional<CoreRoundTrip> core_round_trip;  // none on one core
};

// A dependent chase through one random cycle over every 64-byte line of the array (so neither the
// prefetchers nor out-of-order execution can overlap the loads), single-threaded. The cycle comes
// from a seeded shuffle: the same seed gives the same walk on every run.
Result<LatencyResult> measure_latency(std::uint64_t array_bytes, std::uint64_t loads,
                                      unsigned repetitions, std::uint64_t seed);

// Members 0 and 1 of `team` hand one cache line back and forth: the median over `batches` of the
// time of one round trip, each batch `round_trips` of them after one untimed. The team needs at
// least two members.
Result<double> measure_round_trip(ThreadTeam& team, std::uint64_t round_trips, unsigned batches);

// measure_round_trip between the first physical core and each of the others (each pair bound to
// its own cores); none on one core.
Result<std::optional<CoreRoundTrip>> measure_core_round_trips(const Topology& topology, std::uint64_t round_trips,
                                                              unsigned batches);

}  // namespace memwall::hw
