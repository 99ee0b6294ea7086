#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memwall/hw/bandwidth.hpp"
#include "memwall/hw/compute_peak.hpp"
#include "memwall/hw/cpu.hpp"
#include "memwall/hw/gpu.hpp"
#include "memwall/hw/latency.hpp"
#include "memwall/hw/memory.hpp"
#include "memwall/hw/topology.hpp"
#include "memwall/util/result.hpp"

namespace memwall::hw {

// What the machine has and what its memory and cores measurably do. Plain data: printers and the
// JSON record live elsewhere. Every later roofline and fit number divides by read_gbps().
struct ProbeResult {
  // 2: read is the faster of the plain and the prefetched read (bandwidth_kernels.hpp). 3: arrays
  // of at least kArrayCacheMultiple x the last-level cache, and 1 GiB in a full probe (they were 4x
  // and 256 MiB, which some caches partly held). A cached record of an older version is measured
  // again.
  static constexpr int kSchemaVersion = 3;

  // Provenance.
  std::string memwall_version;
  std::string git_commit;
  std::string build_type;
  std::string timestamp_utc;  // ISO 8601, when the probe started
  std::string fingerprint;
  bool quick = false;
  double duration_s = 0;

  CpuInfo cpu;
  Topology topology;
  MemoryInfo memory;
  std::vector<GpuInfo> gpus;

  BandwidthResult bandwidth;
  LatencyResult latency;
  PeakResult f32;   // f32 FMA, all cores
  PeakResult int8;  // int8 dot products, all cores

  std::vector<std::string> warnings;

  unsigned all_cores() const { return topology.physical_cores(); }
  // The figure the rest of memwall uses: best read GB/s with all cores.
  double read_gbps() const;
};

struct ProbeOptions {
  bool quick = false;  // fewer repetitions, all-core bandwidth only: about 2 s instead of 20
  std::uint64_t seed = 1;
  std::function<void(std::string_view stage)> progress;  // optional
};

Result<ProbeResult> run_probe(const ProbeOptions& options);

// Stable id of the hardware a result belongs to: CPU model, core and thread counts, memory size.
std::string hardware_fingerprint(const CpuInfo& cpu, const Topology& topology,
                                 const MemoryInfo& memory);

// The fingerprint of the machine this process runs on (cheap: no measurement).
Result<std::string> local_fingerprint();

// A warning when the all-core read's samples spread by more than kUnsteadyRatio (slowest to
// fastest): the host's bandwidth moved during the probe (a shared or virtual machine, power
// states), so the best read is a ceiling the memory does not hold.
inline constexpr double kUnsteadyRatio = 1.2;
std::optional<std::string> unsteady_read_warning(const BandwidthPoint& read);
// The same for an all-core compute peak's samples: the host took arithmetic from the cores during
// the probe (on the Zen 5 VM of results/fit.md, another guest on one core's other thread took a
// quarter to four fifths of it for seconds at a time), so the best is a ceiling a prompt test may
// not reach.
std::optional<std::string> unsteady_peak_warning(const PeakResult& peak);

// Array size for bandwidth: at least kArrayCacheMultiple x the total last-level cache (and at least
// `floor_bytes`), at most a sixth of available memory (three arrays must fit with room to spare).
// 4x was not enough: a last-level cache keeps part of a stream several times its size. On an AMD
// Zen 5 VM (32 MiB of L3), the read on two cores over 64 MiB, 128 MiB, 256 MiB, 512 MiB, 1 GiB and
// 2-4 GiB: 134-173, 114-117, 94-98, 87-88, 84-85 and 84-86 GB/s; on an Intel Xeon VM 58 over 64
// MiB, 44-45 over 256 MiB, 36.5-39 over 768 MiB to 2 GiB. A model's weights stream from DRAM.
inline constexpr std::uint64_t kArrayCacheMultiple = 32;
// The least a full probe's arrays take (a quick probe's floor is smaller).
inline constexpr std::uint64_t kFullProbeArrayFloorBytes = std::uint64_t{1} << 30;
std::uint64_t bandwidth_array_bytes(const Topology& topology, std::uint64_t available_bytes,
                                    std::uint64_t floor_bytes);

}  // namespace memwall::hw
