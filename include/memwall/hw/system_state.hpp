#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace memwall::hw {

// CPU time used by everything on the machine and by this process; two readings bracket a
// measurement to tell whether something else was competing for the cores.
struct CpuTimeSnapshot {
  double machine_busy_s = 0;  // all CPUs, all processes, from /proc/stat
  double self_s = 0;          // this process, user + system
  std::int64_t wall_ns = 0;
};

CpuTimeSnapshot cpu_time_snapshot();

// Fraction of the machine's hardware threads kept busy by other processes between two snapshots,
// 0..1; negative when it cannot be known (no /proc/stat).
double other_load_fraction(const CpuTimeSnapshot& before, const CpuTimeSnapshot& after,
                           unsigned hardware_threads);

// Distinct cpufreq scaling governors of the online CPUs; empty when the OS exposes none.
std::vector<std::string> frequency_governors();

}  // namespace memwall::hw
