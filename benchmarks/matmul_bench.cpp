// Matmul kernels per instruction set and weight type, single-threaded: decode (1 token) on a matrix
// far larger than the caches, reported as weight GB/s (decimal, of packed = file bytes); and tiles
// of 8 and 64 tokens on an L2-sized matrix, reported as GOPS (a multiply-add is 2 ops). Then decode
// on every physical core at once (`decode_cores`, rows split evenly, as a decode step's matmul
// runs), beside the probe's read kernels on the same cores (`read/cores/ISA`): the wall they share.
// Decode asks for its weights ahead, and reads one group of rows at a time or two side by side, as
// the engine does on this CPU and type (decode_prefetch_bytes, decode_side_by_side);
// `decode_cores_other` runs the other way (none where the CPU wants a prefetch, 1 KiB where not);
// `decode_cores_short` runs on short rows, qwen2.5-0.5b's 896 columns (1024 for super-block types),
// where every core's share starts and ends more streams.
// Run one kind alone with e.g. --benchmark_filter='/Q4_K/decode$'.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "memwall/engine/forward.hpp"
#include "memwall/hw/cpu.hpp"
#include "memwall/hw/read_sampler.hpp"
#include "memwall/hw/thread_team.hpp"
#include "memwall/hw/topology.hpp"
#include "memwall/quant/matmul.hpp"
#include "memwall/quant/reference.hpp"
#include "memwall/util/huge_buffer.hpp"

namespace memwall::quant {
namespace {

struct Matrix {
  HugeBuffer packed;
  PackedMatrix view;
};

// At most this many distinct rows are quantized; a taller matrix repeats their packed groups, which
// streams the same bytes from memory at a fraction of the set-up time.
constexpr std::int64_t kDistinctRows = 512;

Matrix make_matrix(TensorType type, std::int64_t rows, std::int64_t cols) {
  const std::int64_t distinct = std::min(rows, kDistinctRows);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  std::vector<std::byte> file(static_cast<std::size_t>(distinct) * bytes_for(type, cols));
  std::vector<float> row(static_cast<std::size_t>(cols));
  for (std::int64_t r = 0; r < distinct; ++r) {
    for (float& v : row) v = normal(rng);
    reference_fns(type)->quantize_row(row.data(), file.data() + r * bytes_for(type, cols), cols);
  }
  const std::size_t bytes = packed_bytes(type, rows, cols), head = packed_bytes(type, distinct, cols);
  Matrix m{HugeBuffer::allocate(bytes).value(), {}};
  auto* packed = static_cast<std::byte*>(m.packed.data());
  m.view = pack_matrix(type, file, distinct, cols, std::span(packed, head)).value();
  for (std::size_t at = head; at < bytes; at += head) std::memcpy(packed + at, packed, std::min(head, bytes - at));
  m.view.rows = rows;
  return m;
}

// Bytes a matrix or buffer must have to come from DRAM. 256 MiB did not: on a host with a large
// shared last-level cache (the Intel VM of results/engine.md) the probe's read on two cores gave 58
// GB/s over 64 MiB, 44-45 over 256 MiB and 36.5-39 over 768 MiB to 2 GiB.
constexpr std::int64_t kDramBytes = std::int64_t{1} << 30;

// Rows of a decode matrix of `cols` columns: at least 16384, and at least kDramBytes packed,
// whatever the type's bits per weight.
std::int64_t dram_rows(TensorType type, std::int64_t cols) {
  const auto row_bytes = static_cast<std::int64_t>(bytes_for(type, static_cast<std::uint64_t>(cols)));
  const std::int64_t rows = kDramBytes / row_bytes;
  return std::max<std::int64_t>(16384, (rows + kDistinctRows - 1) / kDistinctRows * kDistinctRows);
}

// n_tokens rows of constant activations and the aligned scratch their quantized copy goes to.
struct Activations {
  ActivationKind kind;
  std::int64_t n_tokens, cols;
  std::vector<float> x;
  std::vector<std::byte> scratch;
  std::size_t decode_prefetch_bytes;
  bool side_by_side;  // as the engine reads on this CPU
  Activations(TensorType type, std::int64_t n_tokens_, std::int64_t cols_, std::size_t decode_prefetch_bytes_)
      : kind(activation_kind(type)), n_tokens(n_tokens_), cols(cols_),
        x(static_cast<std::size_t>(n_tokens * cols), 0.5f),
        scratch(activation_buffers(kind, n_tokens, cols, nullptr).total_bytes + 64),
        decode_prefetch_bytes(decode_prefetch_bytes_),
        side_by_side(decode_side_by_side(engine::kernel_cpu(), type, n_tokens_)) {}
  ActivationView quantize(const Kernels& k) {
    auto* aligned = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(scratch.data()) + 63) / 64 * 64);
    ActivationView view = quantize_activations(k, kind, x.data(), n_tokens, cols, aligned);
    view.decode_prefetch_bytes = decode_prefetch_bytes;
    view.decode_side_by_side = side_by_side;
    return view;
  }
};

void run(benchmark::State& state, KernelIsa isa, TensorType type, std::int64_t rows,
         std::int64_t cols, std::int64_t n_tokens, std::size_t decode_prefetch_bytes) {
  const Kernels& k = kernels_for(isa);
  const Matrix m = make_matrix(type, rows, cols);
  Activations x(type, n_tokens, cols, decode_prefetch_bytes);
  std::vector<float> y(static_cast<std::size_t>(n_tokens * m.view.padded_rows()));
  const MatmulFn matmul = k.matmul(type);
  for (auto _ : state) {
    const ActivationView view = x.quantize(k);
    matmul(m.view, view, y.data(), m.view.padded_rows(), 0, m.view.padded_rows());
    benchmark::ClobberMemory();
  }
  const double iters = static_cast<double>(state.iterations());
  state.counters["GB/s"] = benchmark::Counter(
      iters * static_cast<double>(packed_bytes(type, rows, cols)) * 1e-9, benchmark::Counter::kIsRate);
  state.counters["GOPS"] = benchmark::Counter(
      iters * 2.0 * static_cast<double>(rows * cols * n_tokens) * 1e-9, benchmark::Counter::kIsRate);
}

unsigned physical_cores() { return hw::detect_topology().value().physical_cores(); }

// One decode matmul from DRAM with every core taking an even share of the row groups.
void run_cores(benchmark::State& state, KernelIsa isa, TensorType type, std::int64_t cols,
               std::size_t decode_prefetch_bytes) {
  const Kernels& k = kernels_for(isa);
  const unsigned cores = physical_cores();
  const Matrix m = make_matrix(type, dram_rows(type, cols), cols);
  const std::unique_ptr<hw::ThreadTeam> team = hw::make_core_team(cores).value();
  Activations x(type, 1, cols, decode_prefetch_bytes);
  const ActivationView view = x.quantize(k);
  std::vector<float> y(static_cast<std::size_t>(m.view.padded_rows()));
  const MatmulFn matmul = k.matmul(type);
  const std::int64_t groups = m.view.padded_rows() / kPackRows;
  for (auto _ : state) {
    team->run([&](unsigned member) {
      const std::int64_t begin = groups * member / cores * kPackRows, end = groups * (member + 1) / cores * kPackRows;
      matmul(m.view, view, y.data(), m.view.padded_rows(), begin, end);
    });
    benchmark::ClobberMemory();
  }
  state.counters["GB/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(packed_bytes(type, m.view.rows, cols)) * 1e-9,
      benchmark::Counter::kIsRate);
}

// A probe read kernel on every core over kDramBytes: the bandwidth decode_cores is set against (the
// probe keeps the fastest table's).
void run_read_cores(benchmark::State& state, const hw::BandwidthKernels* kernels) {
  const auto sampler = hw::ReadSampler::create(physical_cores(), kDramBytes, *kernels).value();
  double gbs = 0;
  // The sampler's own figure: each sample also streams the buffer once untimed first.
  for (auto _ : state) gbs += sampler->sample_gbps(0).value();
  state.counters["GB/s"] = benchmark::Counter(gbs, benchmark::Counter::kAvgIterations);
}

int register_all() {
  const KernelCpu cpu = engine::kernel_cpu();
  KernelCpu intel = cpu;
  intel.intel = true;
  for (KernelIsa isa : runnable_isas(cpu)) {
    for (std::uint32_t id = 0; id < 64; ++id) {
      const TypeInfo* info = find_type_info(id);
      if (!info || !packable(info->type)) continue;
      const TensorType type = info->type;
      const std::size_t ahead = decode_prefetch_bytes(cpu, type, 1);
      const std::size_t other = ahead ? 0 : decode_prefetch_bytes(intel, type, 1);
      const std::string name = std::string(isa_name(isa)) + "/" + std::string(type_info(type).name);
      benchmark::RegisterBenchmark((name + "/decode").c_str(), run, isa, type, dram_rows(type, 4096), 4096, 1, ahead)
          ->Unit(benchmark::kMillisecond);
      // Batched decode steps: 4 and 8 tokens against weights streamed from DRAM.
      for (std::int64_t n : {4, 8}) {
        benchmark::RegisterBenchmark((name + "/batch" + std::to_string(n)).c_str(), run, isa, type,
                                     dram_rows(type, 4096), 4096, n, decode_prefetch_bytes(cpu, type, n))
            ->Unit(benchmark::kMillisecond);
      }
      // 512 x 2048 stays in L2: the kernel's own speed, without DRAM.
      benchmark::RegisterBenchmark((name + "/decode_l2").c_str(), run, isa, type, 512, 2048, 1, ahead)
          ->Unit(benchmark::kMicrosecond);
      for (std::int64_t n : {8, 64}) {
        benchmark::RegisterBenchmark((name + "/tokens" + std::to_string(n)).c_str(), run, isa, type,
                                     1024, 2048, n, decode_prefetch_bytes(cpu, type, n))->Unit(benchmark::kMillisecond);
      }
      benchmark::RegisterBenchmark((name + "/decode_cores").c_str(), run_cores, isa, type, 4096, ahead)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark((name + "/decode_cores_other").c_str(), run_cores, isa, type, 4096, other)
          ->Unit(benchmark::kMillisecond);
      const auto block = static_cast<std::int64_t>(info->block_size);
      const std::int64_t short_cols = (896 + block - 1) / block * block;
      benchmark::RegisterBenchmark((name + "/decode_cores_short").c_str(), run_cores, isa, type, short_cols, ahead)
          ->Unit(benchmark::kMillisecond);
    }
  }
  for (const hw::BandwidthKernels* kernels : hw::runnable_bandwidth_kernels(hw::detect_cpu().isa)) {
    benchmark::RegisterBenchmark(("read/cores/" + std::string(kernels->isa)).c_str(), run_read_cores, kernels)
        ->Unit(benchmark::kMillisecond);
  }
  return 0;
}

}  // namespace
}  // namespace memwall::quant

int main(int argc, char** argv) {
  memwall::quant::register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
