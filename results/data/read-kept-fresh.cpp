// Is the bandwidth mode a place in memory or a time? Reads a kept 1 GiB buffer, a fresh one, and the kept one
// again, round after round (results/data/engine-zen5-distance.txt, end). Not part of the build. From the repository root:
//   g++ -O2 -std=c++20 -Iinclude results/data/read-kept-fresh.cpp build/src/{hw,util}/libmemwall_*.a -lhwloc -lfmt -lpthread -o kept
// Run: kept ROUNDS
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include "memwall/hw/bandwidth_kernels.hpp"
#include "memwall/hw/read_sampler.hpp"
#include "memwall/hw/topology.hpp"
using namespace memwall;
int main(int argc, char** argv) {
  int n = atoi(argv[1]);
  const unsigned cores = hw::detect_topology().value().physical_cores();
  auto ks = hw::runnable_bandwidth_kernels(hw::detect_cpu().isa);
  const hw::BandwidthKernels* rk = ks.front();
  for (auto* t : ks) if (std::string(t->isa) == "avx512+prefetch") rk = t;
  auto fixed = hw::ReadSampler::create(cores, std::uint64_t{1} << 30, *rk).value();
  for (int i = 0; i < n; ++i) {
    double a = fixed->sample_gbps(0.1).value();
    auto fresh = hw::ReadSampler::create(cores, std::uint64_t{1} << 30, *rk).value();
    double b = fresh->sample_gbps(0.1).value();
    double a2 = fixed->sample_gbps(0.1).value();
    std::printf("%3d fixed %5.1f fresh %5.1f fixed %5.1f\n", i, a, b, a2);
    std::fflush(stdout);
  }
}
