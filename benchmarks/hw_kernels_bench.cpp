// Single-thread speed of probe's kernels on every ISA table this CPU runs, in and out of cache.
// bytes_per_second is counted as the probe counts it (the bytes each kernel's loads and stores
// name); GOPS counters count one multiply-add as two operations.
#include <benchmark/benchmark.h>

#include <vector>

#include "memwall/hw/bandwidth.hpp"
#include "memwall/hw/compute_kernels.hpp"
#include "memwall/util/huge_buffer.hpp"

namespace memwall::hw {
namespace {

struct Arrays {
  HugeBuffer a, b, c;
  std::size_t n;
  explicit Arrays(std::size_t bytes)
      : a(HugeBuffer::allocate(bytes).value()), b(HugeBuffer::allocate(bytes).value()),
        c(HugeBuffer::allocate(bytes).value()), n(bytes / sizeof(double)) {
    for (const HugeBuffer* buffer : {&a, &b, &c}) {
      std::fill_n(static_cast<double*>(buffer->data()), n, 1.0);
    }
  }
  double* pa() { return static_cast<double*>(a.data()); }
  double* pb() { return static_cast<double*>(b.data()); }
  double* pc() { return static_cast<double*>(c.data()); }
};

void run_stream(benchmark::State& state, const BandwidthKernels* k, StreamKernelInfo info) {
  Arrays arr(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    switch (info.id) {
      case StreamKernel::read: benchmark::DoNotOptimize(k->read(arr.pa(), arr.n)); break;
      case StreamKernel::write: k->write(arr.pa(), arr.n, 2.0); break;
      case StreamKernel::write_nt: k->write_nt(arr.pa(), arr.n, 2.0); break;
      case StreamKernel::copy: k->copy(arr.pc(), arr.pa(), arr.n); break;
      case StreamKernel::triad: k->triad(arr.pa(), arr.pb(), arr.pc(), 3.0, arr.n); break;
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * arr.n) *
                          info.counted_bytes_per_element);
}

void run_peak(benchmark::State& state, PeakKernel kernel) {
  constexpr std::uint64_t kIterations = 1 << 16;
  for (auto _ : state) benchmark::DoNotOptimize(kernel.run(kIterations, 0.999f));
  state.counters["GOPS"] = benchmark::Counter(
      kernel.ops_per_iteration * kIterations * static_cast<double>(state.iterations()) * 1e-9,
      benchmark::Counter::kIsRate);
}

int register_all() {
  const IsaFeatures isa = detect_cpu().isa;
  for (const BandwidthKernels* k : runnable_bandwidth_kernels(isa)) {
    for (const StreamKernelInfo& info : kStreamKernels) {
      const std::string name = "stream/" + std::string(k->isa) + "/" + std::string(info.name);
      benchmark::RegisterBenchmark(name.c_str(), run_stream, k, info)
          ->Arg(256 << 10)    // in L2
          ->Arg(1 << 30);     // in DRAM, beyond a large shared last-level cache (matmul_bench)
    }
  }
  std::vector<PeakKernel> peaks = runnable_f32_kernels(isa);
  for (const PeakKernel& k : runnable_int8_kernels(isa)) peaks.push_back(k);
  for (const PeakKernel& k : peaks) {
    const std::string name = "peak/" + std::string(k.name) + "/" + std::string(k.isa);
    benchmark::RegisterBenchmark(name.c_str(), run_peak, k);
  }
  return 0;
}

}  // namespace
}  // namespace memwall::hw

int main(int argc, char** argv) {
  memwall::hw::register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
