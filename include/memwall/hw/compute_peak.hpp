#pragma once
#include <string>
#include <vector>

#include "memwall/hw/compute_kernels.hpp"
#include "memwall/hw/topology.hpp"
#include "memwall/util/result.hpp"

namespace memwall::hw {

struct PeakResult {
  std::string kernel;  // "f32-fma" or "int8-dot"
  std::string isa;     // instruction used
  unsigned threads = 0;
  std::vector<double> samples_gops;  // GFLOPS for f32, GOPS for int8 (1 multiply-add = 2 ops)
  double best_gops = 0;
  double median_gops = 0;
};

// Runs `kernel` on `threads` cores at once (one pinned thread each), `repetitions` times, each
// about `target_ms` long.
Result<PeakResult> measure_peak(const PeakKernel& kernel, const Topology& topology,
                                unsigned threads, unsigned repetitions, double target_ms);

}  // namespace memwall::hw
