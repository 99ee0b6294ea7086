#include "memwall/hw/compute_peak.hpp"

#include <algorithm>
#include <cmath>

#include "memwall/hw/thread_team.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/stats.hpp"

namespace memwall::hw {
namespace {

// Seed near 1 keeps acc = acc * seed + 0.5 bounded (it converges to 0.5 / (1 - seed)), so the
// floating-point loop never slows down on infinities or denormals.
constexpr float kSeed = 0.999f;

std::int64_t timed_run(ThreadTeam& team, const PeakKernel& kernel, std::uint64_t iterations,
                       std::vector<double>& sinks) {
  const std::int64_t start = steady_now_ns();
  team.run([&](unsigned m) { sinks[m] += kernel.run(iterations, kSeed); });
  return steady_now_ns() - start;
}

}  // namespace

Result<PeakResult> measure_peak(const PeakKernel& kernel, const Topology& topology,
                                unsigned threads, unsigned repetitions, double target_ms) {
  std::vector<std::vector<unsigned>> member_pus;
  for (unsigned i = 0; i < threads && i < topology.physical_cores(); ++i) {
    member_pus.push_back(topology.cores[i].pu_os_ids);
  }
  Result<std::unique_ptr<ThreadTeam>> team = ThreadTeam::create(std::move(member_pus));
  if (!team.ok()) return team.error();
  std::vector<double> sinks((*team)->size());

  // Calibrate: grow the iteration count until one run takes a tenth of the target.
  std::uint64_t iterations = 1 << 12;
  std::int64_t ns = timed_run(**team, kernel, iterations, sinks);
  while (ns < target_ms * 1e5 && iterations < (1ull << 40)) {
    iterations *= 4;
    ns = timed_run(**team, kernel, iterations, sinks);
  }
  iterations = static_cast<std::uint64_t>(
      std::ceil(static_cast<double>(iterations) * target_ms * 1e6 / static_cast<double>(ns)));

  PeakResult result{std::string(kernel.name), std::string(kernel.isa), (*team)->size(), {}, 0, 0};
  const double ops = kernel.ops_per_iteration * static_cast<double>(iterations) * result.threads;
  for (unsigned rep = 0; rep < std::max(1u, repetitions); ++rep) {
    ns = timed_run(**team, kernel, iterations, sinks);
    result.samples_gops.push_back(ops / static_cast<double>(ns));
  }
  if (!std::isfinite(sinks[0])) return make_error("{} ({}): result is not finite", kernel.name, kernel.isa);
  const Summary summary = summarize(result.samples_gops);
  result.best_gops = summary.max;
  result.median_gops = summary.median;
  return result;
}

}  // namespace memwall::hw
