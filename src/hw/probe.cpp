#include "memwall/hw/probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "memwall/hw/system_state.hpp"
#include "memwall/util/build_info.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/units.hpp"

namespace memwall::hw {
namespace {

// How much work each mode does. Quick keeps every figure but with fewer repetitions and no
// thread-scaling curve.
struct ProbePlan {
  std::uint64_t bandwidth_floor_bytes;
  unsigned bandwidth_reps, scaling_reps;
  bool scaling;
  std::uint64_t latency_loads;
  unsigned latency_reps;
  std::uint64_t round_trips;  // per batch, between the first core and each other
  unsigned round_trip_batches;
  unsigned peak_reps;
  double peak_ms;
};

constexpr ProbePlan kFullPlan{kFullProbeArrayFloorBytes, 10, 4, true, 4'000'000, 3, 5'000, 5, 5, 80};
constexpr ProbePlan kQuickPlan{64 * kMiB, 3, 0, false, 400'000, 1, 2'000, 3, 2, 15};

void report(const ProbeOptions& options, std::string_view stage) {
  if (options.progress) options.progress(stage);
}

Status measure(const ProbeOptions& options, const ProbePlan& plan, ProbeResult& r) {
  const unsigned cores = r.all_cores();
  const std::uint64_t array_bytes =
      bandwidth_array_bytes(r.topology, r.memory.available_bytes, plan.bandwidth_floor_bytes);
  BandwidthOptions bw{array_bytes, plan.bandwidth_reps, plan.scaling_reps,
                      plan.scaling ? scaling_thread_counts(cores) : std::vector<unsigned>{cores}};
  report(options, "memory bandwidth");
  Candidates candidates = runnable_bandwidth_kernels(r.cpu.isa);
  if (candidates.size() > 1) candidates.pop_back();  // generic C++ never beats an ISA's own kernels
  Result<BandwidthResult> bandwidth = measure_bandwidth(bw, candidates, r.topology);
  if (!bandwidth.ok()) return bandwidth.error();
  r.bandwidth = std::move(bandwidth).value();

  report(options, "memory latency");
  Result<LatencyResult> latency =
      measure_latency(array_bytes, plan.latency_loads, plan.latency_reps, options.seed);
  if (!latency.ok()) return latency.error();
  r.latency = *latency;
  report(options, "core round trip");
  Result<std::optional<CoreRoundTrip>> cores_apart =
      measure_core_round_trips(r.topology, plan.round_trips, plan.round_trip_batches);
  if (!cores_apart.ok()) return cores_apart.error();
  r.latency.core_round_trip = *cores_apart;

  report(options, "compute peaks");
  Result<PeakResult> f32 = measure_peak(runnable_f32_kernels(r.cpu.isa).front(), r.topology,
                                        cores, plan.peak_reps, plan.peak_ms);
  if (!f32.ok()) return f32.error();
  r.f32 = std::move(f32).value();
  Result<PeakResult> int8 = measure_peak(runnable_int8_kernels(r.cpu.isa).front(), r.topology,
                                         cores, plan.peak_reps, plan.peak_ms);
  if (!int8.ok()) return int8.error();
  r.int8 = std::move(int8).value();
  return {};
}

void add_environment_warnings(ProbeResult& r, double other_load) {
  const BuildInfo& build = build_info();
  if (!build.optimized()) {
    r.warnings.push_back(fmt::format(
        "this is a {} build{}: measured speeds understate the machine; build with "
        "-DCMAKE_BUILD_TYPE=Release",
        build.build_type, build.sanitizers ? " with sanitizers" : ""));
  }
  for (const std::string& governor : frequency_governors()) {
    if (governor != "performance") {
      r.warnings.push_back(fmt::format(
          "CPU frequency governor is '{}': numbers may read low and vary; for stable results "
          "run 'cpupower frequency-set -g performance'",
          governor));
    }
  }
  if (other_load > 0.10) {
    r.warnings.push_back(fmt::format(
        "other processes kept {:.0f}% of the CPUs busy during the probe: bandwidth and compute "
        "figures may be low; rerun 'memwall probe' on an idle machine",
        other_load * 100));
  }
  if (const BandwidthPoint* read = r.bandwidth.find("read", r.all_cores())) {
    if (std::optional<std::string> unsteady = unsteady_read_warning(*read)) r.warnings.push_back(*unsteady);
  }
  for (const PeakResult* peak : {&r.f32, &r.int8}) {
    if (std::optional<std::string> unsteady = unsteady_peak_warning(*peak)) r.warnings.push_back(*unsteady);
  }
  if (r.bandwidth.array_bytes < kArrayCacheMultiple * r.topology.last_level_cache_total_bytes()) {
    r.warnings.push_back(fmt::format(
        "bandwidth arrays ({}) are smaller than {}x the last-level cache for lack of free memory: "
        "part of the traffic may hit the cache",
        format_bytes(r.bandwidth.array_bytes), kArrayCacheMultiple));
  }
}

// The slowest and the fastest of `samples` when they spread by more than kUnsteadyRatio.
std::optional<std::pair<double, double>> unsteady_span(const std::vector<double>& samples) {
  if (samples.size() < 2) return std::nullopt;
  const auto [lo, hi] = std::minmax_element(samples.begin(), samples.end());
  if (*lo <= 0 || *hi <= kUnsteadyRatio * *lo) return std::nullopt;
  return std::pair{*lo, *hi};
}

}  // namespace

std::optional<std::string> unsteady_read_warning(const BandwidthPoint& read) {
  const auto span = unsteady_span(read.samples_gbps);
  if (!span) return std::nullopt;
  return fmt::format(
      "the all-core read ran at {:.1f} to {:.1f} GB/s during the probe: this host's bandwidth is not "
      "steady, and rooflines use the best; 'memwall bench --track-bandwidth' sets each decode "
      "repetition against the bandwidth of its own seconds",
      span->first, span->second);
}

std::optional<std::string> unsteady_peak_warning(const PeakResult& peak) {
  const auto span = unsteady_span(peak.samples_gops);
  if (!span) return std::nullopt;
  return fmt::format(
      "the all-core {} peak ran at {:.0f} to {:.0f} {} during the probe: this host's compute is not "
      "steady, and prompt rooflines use the best; 'memwall bench --track-bandwidth' samples the "
      "compute around each prompt repetition",
      peak.kernel, span->first, span->second, peak.kernel == "f32-fma" ? "GFLOPS" : "GOPS");
}

double ProbeResult::read_gbps() const {
  const BandwidthPoint* read = bandwidth.find("read", all_cores());
  return read ? read->best_gbps : 0;
}

std::uint64_t bandwidth_array_bytes(const Topology& topology, std::uint64_t available_bytes,
                                    std::uint64_t floor_bytes) {
  const std::uint64_t wanted = std::max(kArrayCacheMultiple * topology.last_level_cache_total_bytes(), floor_bytes);
  const std::uint64_t ceiling = std::max<std::uint64_t>(available_bytes / 6, 16 * kMiB);
  return std::min(wanted, ceiling) / (2 * kMiB) * (2 * kMiB);
}

std::string hardware_fingerprint(const CpuInfo& cpu, const Topology& topology,
                                  const MemoryInfo& memory) {
  // Memory rounded to whole GiB: the kernel's reserved amount moves MemTotal by a few MiB.
  const std::string identity =
      fmt::format("{}|{}|{}|{}|{}|{}", cpu.arch, cpu.model, topology.packages,
                  topology.physical_cores(), topology.hardware_threads,
                  (memory.total_bytes + kGiB / 2) / kGiB);
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a 64: stable across builds and compilers
  for (unsigned char c : identity) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return fmt::format("{:016x}", hash);
}

Result<std::string> local_fingerprint() {
  Result<Topology> topology = detect_topology();
  if (!topology.ok()) return topology.error();
  return hardware_fingerprint(detect_cpu(), *topology, detect_memory());
}

Result<ProbeResult> run_probe(const ProbeOptions& options) {
  const std::int64_t start_ns = steady_now_ns();
  const CpuTimeSnapshot before = cpu_time_snapshot();
  ProbeResult r;
  const BuildInfo& build = build_info();
  r.memwall_version = std::string(build.version);
  r.git_commit = std::string(build.git_commit);
  r.build_type = std::string(build.build_type);
  r.timestamp_utc = utc_now_iso8601();
  r.quick = options.quick;

  report(options, "topology");
  r.cpu = detect_cpu();
  Result<Topology> topology = detect_topology();
  if (!topology.ok()) return topology.error();
  r.topology = std::move(topology).value();
  r.memory = detect_memory();
  r.gpus = detect_gpus();
  r.fingerprint = hardware_fingerprint(r.cpu, r.topology, r.memory);

  if (Status s = measure(options, options.quick ? kQuickPlan : kFullPlan, r); !s.ok()) {
    return s.error();
  }
  add_environment_warnings(r, other_load_fraction(before, cpu_time_snapshot(),
                                                  r.topology.hardware_threads));
  r.duration_s = static_cast<double>(steady_now_ns() - start_ns) * 1e-9;
  return r;
}

}  // namespace memwall::hw
