#include "memwall/hw/system_state.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "memwall/util/clock.hpp"

namespace memwall::hw {
namespace {

double machine_busy_seconds() {
  std::ifstream in("/proc/stat");
  std::string label;
  if (!(in >> label) || label != "cpu") return -1;
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
  std::uint64_t v[8] = {};
  for (auto& x : v) in >> x;
  const std::uint64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

CpuTimeSnapshot cpu_time_snapshot() {
  return {machine_busy_seconds(), self_seconds(), steady_now_ns()};
}

double other_load_fraction(const CpuTimeSnapshot& before, const CpuTimeSnapshot& after,
                           unsigned hardware_threads) {
  if (before.machine_busy_s < 0 || after.machine_busy_s < 0 || hardware_threads == 0) return -1;
  const double wall_s = static_cast<double>(after.wall_ns - before.wall_ns) * 1e-9;
  if (wall_s <= 0) return -1;
  const double others_s =
      (after.machine_busy_s - before.machine_busy_s) - (after.self_s - before.self_s);
  return std::clamp(others_s / (wall_s * hardware_threads), 0.0, 1.0);
}

std::vector<std::string> frequency_governors() {
  std::vector<std::string> governors;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/devices/system/cpu", ec)) {
    std::ifstream in(entry.path() / "cpufreq" / "scaling_governor");
    std::string governor;
    if (in >> governor &&
        std::find(governors.begin(), governors.end(), governor) == governors.end()) {
      governors.push_back(governor);
    }
  }
  return governors;
}

}  // namespace memwall::hw
