// Paired A/B of decode prefetch distances against the read between rounds (results/engine.md,
// *Zen 5: the wall measured over 1 GiB*). Not part of the build. Build from the repository root:
//   g++ -O2 -std=c++20 -Iinclude results/data/decode-pair.cpp build/src/{engine,model,gguf,quant,hw,profiles,util}/libmemwall_*.a -lhwloc -lfmt -lpthread -o pair
// Run: pair TYPE ROUNDS COLS DISTANCE...   [CHUNK_ROWS=rows per matmul] [STEP_GROUPS=groups per kernel call] [SIDE_BY_SIDE=1] [CORES=n]
// An odd DISTANCE d reads two groups side by side d - 1 ahead, with or without SIDE_BY_SIDE (so one run can alternate both).
// Each round: the read, every distance (in rotating order, 1 untimed + 3 timed matmuls each), the read again.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include "memwall/engine/forward.hpp"
#include "memwall/hw/bandwidth_kernels.hpp"
#include "memwall/hw/read_sampler.hpp"
#include "memwall/hw/thread_team.hpp"
#include "memwall/hw/topology.hpp"
#include "memwall/quant/matmul.hpp"
#include "memwall/quant/reference.hpp"
#include "memwall/util/huge_buffer.hpp"
using namespace memwall;
using namespace memwall::quant;
int main(int argc, char** argv) {
  // pair TYPE ROUNDS COLS dist1 dist2 ...
  const TypeInfo* info = nullptr;
  for (std::uint32_t id = 0; id < 64; ++id) { auto* i = find_type_info(id); if (i && std::string(i->name) == argv[1]) info = i; }
  const TensorType type = info->type;
  const int rounds = atoi(argv[2]);
  const std::int64_t cols = atoll(argv[3]);
  std::vector<std::size_t> dists; for (int i = 4; i < argc; ++i) dists.push_back(atoll(argv[i]));
  const KernelCpu cpu = engine::kernel_cpu();
  const KernelIsa isa = runnable_isas(cpu).front();
  const Kernels& k = kernels_for(isa);
  const std::int64_t distinct = 512;
  const std::int64_t row_bytes = bytes_for(type, cols);
  std::int64_t rows = (std::int64_t{1} << 30) / row_bytes; rows = (rows + 511) / 512 * 512;
  std::mt19937 rng(1); std::normal_distribution<float> normal(0.0f, 0.05f);
  std::vector<std::byte> file(distinct * row_bytes); std::vector<float> row(cols);
  for (std::int64_t r = 0; r < distinct; ++r) { for (float& v : row) v = normal(rng); reference_fns(type)->quantize_row(row.data(), file.data() + r * row_bytes, cols); }
  const std::size_t bytes = packed_bytes(type, rows, cols), head = packed_bytes(type, distinct, cols);
  HugeBuffer buf = HugeBuffer::allocate(bytes).value();
  auto* packed = static_cast<std::byte*>(buf.data());
  PackedMatrix w = pack_matrix(type, file, distinct, cols, std::span(packed, head)).value();
  for (std::size_t at = head; at < bytes; at += head) std::memcpy(packed + at, packed, std::min(head, bytes - at));
  w.rows = rows;
  const unsigned cores = getenv("CORES") ? atoi(getenv("CORES")) : hw::detect_topology().value().physical_cores();
  auto team = hw::make_core_team(cores).value();
  ActivationKind kind = activation_kind(type);
  std::vector<float> x(cols, 0.5f);
  std::vector<std::byte> scratch(activation_buffers(kind, 1, cols, nullptr).total_bytes + 64);
  auto* aligned = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(scratch.data()) + 63) / 64 * 64);
  ActivationView view = quantize_activations(k, kind, x.data(), 1, cols, aligned);
  std::vector<float> y(w.padded_rows());
  const MatmulFn matmul = k.matmul(type);
  const std::int64_t groups = w.padded_rows() / kPackRows;
  auto read_kernels = hw::runnable_bandwidth_kernels(hw::detect_cpu().isa);
  const hw::BandwidthKernels* rk = nullptr;
  for (auto* t : read_kernels) if (std::string(t->isa) == "avx512+prefetch") rk = t;
  if (!rk) rk = read_kernels.front();
  auto sampler = hw::ReadSampler::create(cores, std::uint64_t{1} << 30, *rk).value();
  const std::int64_t chunk_groups = getenv("CHUNK_ROWS") ? atoll(getenv("CHUNK_ROWS")) / kPackRows : groups;
  auto time_one = [&](std::size_t d) {
    view.decode_prefetch_bytes = d & ~std::size_t{1};
    view.decode_side_by_side = getenv("SIDE_BY_SIDE") != nullptr || (d & 1) != 0;  // the tables' runs: two groups side by side
    auto run = [&] {
      for (std::int64_t c0 = 0; c0 < groups; c0 += chunk_groups) {
        const std::int64_t cg = std::min(chunk_groups, groups - c0);
        PackedMatrix part = w;
        part.data = w.data + c0 * w.group_bytes();
        part.rows = cg * kPackRows;
        team->run([&](unsigned m) { const std::int64_t b = cg * m / cores * kPackRows, e = cg * (m + 1) / cores * kPackRows;
          const std::int64_t st = getenv("STEP_GROUPS") ? atoll(getenv("STEP_GROUPS")) * kPackRows : e - b;
          for (std::int64_t s0 = b; s0 < e; s0 += st) matmul(part, view, y.data(), part.padded_rows(), s0, std::min(e, s0 + st)); });
      }
    };
    run();
    auto t0 = std::chrono::steady_clock::now();
    const int reps = 3;
    for (int i = 0; i < reps; ++i) run();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return reps * bytes * 1e-9 / s;
  };
  std::vector<std::vector<double>> ratio(dists.size());
  std::vector<std::vector<double>> gbs(dists.size());
  std::vector<double> reads;
  for (int r = 0; r < rounds; ++r) {
    double rd = sampler->sample_gbps(0.05).value();
    std::printf("round %2d read %6.1f", r, rd);
    for (size_t i = 0; i < dists.size(); ++i) {
      size_t j = (i + r) % dists.size();
      double g = time_one(dists[j]);
      gbs[j].push_back(g);
    }
    double rd2 = sampler->sample_gbps(0.05).value();
    double around = (rd + rd2) / 2;
    reads.push_back(around);
    for (size_t j = 0; j < dists.size(); ++j) { ratio[j].push_back(gbs[j].back() / around); std::printf("  d%zu %6.1f", dists[j], gbs[j].back()); }
    std::printf("  read2 %6.1f\n", rd2);
  }
  // summarize by mode: fast if read > 70 (two cores); one core reads alike in both modes
  for (int fast = 0; fast < 2; ++fast) {
    if (cores == 1 && fast) break;
    std::printf("%s:", cores == 1 ? "one core" : fast ? "fast mode" : "slow mode");
    for (size_t j = 0; j < dists.size(); ++j) {
      std::vector<double> v;
      for (int r = 0; r < rounds; ++r) if (cores == 1 || (reads[r] > 70) == fast) v.push_back(ratio[j][r]);
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      std::printf("  d%zu median %.0f%% (n=%zu)", dists[j], 100 * v[v.size() / 2], v.size());
    }
    std::printf("\n");
  }
}
