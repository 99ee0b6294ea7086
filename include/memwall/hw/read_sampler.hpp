#pragma once
// The memory's read bandwidth now, between measurements: the probe's read kernel over one buffer
// larger than the caches, streamed by the cores a measurement runs on. On a host whose bandwidth
// moves (shared machines, power states), a roofline against the bandwidth of the same minutes says
// what the cached probe cannot.
#include <cstdint>
#include <memory>

#include "memwall/hw/bandwidth_kernels.hpp"
#include "memwall/hw/thread_team.hpp"
#include "memwall/util/huge_buffer.hpp"
#include "memwall/util/result.hpp"

namespace memwall::hw {

class ReadSampler {
 public:
  // `threads` members, one per physical core; `buffer_bytes` (rounded down to whole 64-byte lines)
  // first touched by the members that will stream it.
  static Result<std::unique_ptr<ReadSampler>> create(unsigned threads, std::uint64_t buffer_bytes,
                                                     const BandwidthKernels& kernels);

  // Streams the buffer once untimed, then until at least `min_seconds` have passed (at least once);
  // GB/s over the timed passes. The first pass after the cores ran something else is the slow one:
  // bench --track-bandwidth between decode runs on the Intel host of results/fit.md, per pass,
  // 23.7-32 GB/s first against 33-35 for the rest, which pulled a 0.25 s sample down 2-8%; a first
  // pass that alone filled the 0.25 s would have been the whole sample.
  Result<double> sample_gbps(double min_seconds);
  // measure_round_trip (latency.hpp) between the first two members: an error with one member.
  Result<double> round_trip_ns();
  unsigned threads() const { return team_->size(); }

  std::uint64_t buffer_bytes() const { return static_cast<std::uint64_t>(elements_) * sizeof(double); }

 private:
  ReadSampler(std::unique_ptr<ThreadTeam> team, HugeBuffer buffer, std::size_t elements,
              const BandwidthKernels& kernels);
  Status pass();  // streams the buffer once on every member and checks the sums

  std::unique_ptr<ThreadTeam> team_;
  HugeBuffer buffer_;
  std::size_t elements_;
  const BandwidthKernels& kernels_;
};

}  // namespace memwall::hw
