#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "memwall/hw/bandwidth_kernels.hpp"
#include "memwall/hw/topology.hpp"
#include "memwall/util/result.hpp"

namespace memwall::hw {

// Bytes counted per element follow STREAM: every load and store the kernel names, 8 bytes each.
// The read-for-ownership of plain stores is traffic too but is not counted, as no peer counts it.
enum class StreamKernel { read, write, write_nt, copy, triad };
struct StreamKernelInfo {
  StreamKernel id;
  std::string_view name;
  unsigned counted_bytes_per_element;
};
inline constexpr std::array<StreamKernelInfo, 5> kStreamKernels{{
    {StreamKernel::read, "read", 8},
    {StreamKernel::write, "write", 8},
    {StreamKernel::write_nt, "write_nt", 8},
    {StreamKernel::copy, "copy", 16},
    {StreamKernel::triad, "triad", 24},
}};

struct BandwidthPoint {
  std::string kernel;
  std::string isa;  // kernel table that measured fastest here and was used
  unsigned threads = 0;
  std::vector<double> samples_gbps;
  double best_gbps = 0;
  double median_gbps = 0;
};

struct BandwidthOptions {
  std::uint64_t array_bytes = 0;        // of each of the three arrays
  unsigned repetitions = 10;            // timed runs per kernel at the largest thread count
  unsigned scaling_repetitions = 3;     // timed runs per kernel at smaller thread counts
  std::vector<unsigned> thread_counts;  // ascending, each <= physical cores
};

struct BandwidthResult {
  std::uint64_t array_bytes = 0;
  bool huge_pages_requested = false;
  std::vector<BandwidthPoint> points;

  const BandwidthPoint* find(std::string_view kernel, unsigned threads) const;
};

// 1, 2, 4, ... up to and always including `cores`.
std::vector<unsigned> scaling_thread_counts(unsigned cores);

using Candidates = std::vector<const BandwidthKernels*>;

// Runs every kernel at every thread count, threads pinned one per physical core in topology order,
// each thread first-touching and then streaming its own contiguous share of every array. Each
// kernel is timed with whichever candidate table streams it fastest in the warm-up. Fails if a
// kernel's result does not validate.
Result<BandwidthResult> measure_bandwidth(const BandwidthOptions& options,
                                          const Candidates& candidates,
                                          const Topology& topology);

}  // namespace memwall::hw
