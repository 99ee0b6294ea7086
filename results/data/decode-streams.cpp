// One thread streams a model's dense-layer matrices with the AVX-512 VNNI decode kernel (one token,
// the engine's prefetch choices for this CPU), back to back: each matrix whole, its first half or
// its second half (one member's share of two). Against the probe's prefetched AVX-512 read on one
// thread over 1 GiB, alternated (results/engine.md, *with the cores far apart*). Not part of the
// build:
//   g++ -O2 -std=c++20 -Iinclude results/data/decode-streams.cpp \
//     build/src/{engine,model,gguf,quant,hw,profiles,util}/libmemwall_*.a -lhwloc -lfmt -lpthread -o streams
//   taskset -c 0 ./streams MODEL.gguf ROUNDS
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>
#include "memwall/engine/forward.hpp"
#include "memwall/engine/model.hpp"
#include "memwall/hw/bandwidth.hpp"
#include "memwall/hw/cpu.hpp"
#include "memwall/hw/read_sampler.hpp"
#include "memwall/quant/matmul.hpp"
using namespace memwall;
int main(int argc, char** argv) {
  engine::LoadOptions lo;
  auto model = engine::load_gguf(argv[1], lo).value();
  const int rounds = argc > 2 ? atoi(argv[2]) : 5;
  const quant::Kernels& k = quant::kernels_for(quant::KernelIsa::avx512vnni);
  const quant::KernelCpu cpu = engine::kernel_cpu();
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  auto view_for = [&](const quant::PackedMatrix& w, std::vector<std::byte>& scratch, std::vector<float>& x) {
    const quant::ActivationKind kind = quant::activation_kind(w.type);
    x.resize(w.cols); for (auto& v : x) v = nd(rng);
    scratch.resize(quant::activation_buffers(kind, 1, w.cols, nullptr).total_bytes + 64);
    auto* p = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(scratch.data()) + 63) / 64 * 64);
    quant::ActivationView v = quant::quantize_activations(k, kind, x.data(), 1, w.cols, p);
    v.decode_prefetch_bytes = quant::decode_prefetch_bytes(cpu, w.type, 1);
    v.decode_side_by_side = quant::decode_side_by_side(cpu, w.type, 1);
    return v;
  };
  struct Job { const quant::PackedMatrix* w; quant::ActivationView x; };
  std::vector<Job> jobs;
  std::vector<std::vector<std::byte>> scratches(16); std::vector<std::vector<float>> xs(16);
  const auto& l0 = model->layers[0];
  quant::ActivationView x_embd = view_for(l0.wq, scratches[0], xs[0]);
  quant::ActivationView x_ff = view_for(l0.w_down, scratches[1], xs[1]);
  for (const auto& l : model->layers) {
    for (const quant::PackedMatrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up}) {
      quant::ActivationView v = x_embd; v.decode_prefetch_bytes = quant::decode_prefetch_bytes(cpu, w->type, 1); v.decode_side_by_side = quant::decode_side_by_side(cpu, w->type, 1);
      jobs.push_back({w, v});
    }
    quant::ActivationView v = x_ff; v.decode_prefetch_bytes = quant::decode_prefetch_bytes(cpu, l.w_down.type, 1); v.decode_side_by_side = quant::decode_side_by_side(cpu, l.w_down.type, 1);
    jobs.push_back({&l.w_down, v});
  }
  std::vector<float> y(1 << 20);
  auto run = [&](int part) {  // part 0: whole; 1: first half of each; 2: second half
    double bytes = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const Job& j : jobs) {
      const std::int64_t groups = j.w->padded_rows() / 16, half = groups / 2 / 4 * 4;
      const std::int64_t g0 = part == 2 ? half : 0, g1 = part == 1 ? half : groups;
      k.matmul(j.w->type)(*j.w, j.x, y.data(), j.w->padded_rows(), g0 * 16, g1 * 16);
      bytes += double(g1 - g0) * j.w->group_bytes();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return bytes / s / 1e9;
  };
  const hw::BandwidthKernels* best = nullptr;
  for (auto* kk : hw::runnable_bandwidth_kernels(hw::detect_cpu().isa)) if (std::string(kk->isa) == "avx512+prefetch") best = kk;
  auto probe = hw::ReadSampler::create(1, std::uint64_t{1} << 30, *best).value();
  for (int r = 0; r < rounds; ++r) {
    double whole = 0, first = 0, second = 0;
    for (int i = 0; i < 3; ++i) { whole += run(0); first += run(1); second += run(2); }
    const double read = probe->sample_gbps(0.3).value();
    std::printf("round %d: read(1 thread) %.1f  whole %.1f (%.0f%%)  first half %.1f (%.0f%%)  second half %.1f (%.0f%%)\n", r, read,
                whole / 3, 100 * whole / 3 / read, first / 3, 100 * first / 3 / read, second / 3, 100 * second / 3 / read);
  }
}
