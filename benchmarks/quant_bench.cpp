// Single-thread speed of the scalar reference conversions, per type, on one 4096-weight row (in
// L1/L2, so this is compute speed, not memory bandwidth). bytes_per_second counts the f32 side:
// the floats read by quantize_row and written by dequantize_row (4 bytes per weight), so every
// type is measured in the same unit.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>
#include <vector>

#include "memwall/quant/reference.hpp"
#include "memwall/quant/types.hpp"

namespace memwall::quant {
namespace {

constexpr std::int64_t kRowWeights = 4096;

// N(0, 1)-like weights without a random-number library: a sum of four uniform-ish sequences.
std::vector<float> bench_row() {
  std::vector<float> x(kRowWeights);
  std::uint32_t s = 12345;
  for (float& v : x) {
    float sum = 0;
    for (int k = 0; k < 4; ++k) {
      s = s * 1664525u + 1013904223u;
      sum += static_cast<float>(s >> 8) * 0x1p-24f - 0.5f;
    }
    v = sum * 1.7320508f;  // variance of the sum is 4/12; scale to 1
  }
  return x;
}

void set_counters(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * kRowWeights *
                          static_cast<std::int64_t>(sizeof(float)));
  state.SetItemsProcessed(state.iterations() * kRowWeights);
}

void quantize(benchmark::State& state, TensorType type) {
  const std::vector<float> x = bench_row();
  std::vector<std::byte> q(bytes_for(type, kRowWeights));
  const ReferenceFns* fns = reference_fns(type);
  for (auto _ : state) {
    fns->quantize_row(x.data(), q.data(), kRowWeights);
    benchmark::ClobberMemory();
  }
  set_counters(state);
}

void dequantize(benchmark::State& state, TensorType type) {
  const std::vector<float> x = bench_row();
  std::vector<std::byte> q(bytes_for(type, kRowWeights));
  const ReferenceFns* fns = reference_fns(type);
  fns->quantize_row(x.data(), q.data(), kRowWeights);
  std::vector<float> y(kRowWeights);
  for (auto _ : state) {
    fns->dequantize_row(q.data(), y.data(), kRowWeights);
    benchmark::ClobberMemory();
  }
  set_counters(state);
}

using T = TensorType;
constexpr TensorType kTypes[] = {T::F32,  T::F16,  T::BF16, T::Q4_0, T::Q4_1,
                                 T::Q5_0, T::Q5_1, T::Q8_0, T::Q8_1, T::Q2_K,
                                 T::Q3_K, T::Q4_K, T::Q5_K, T::Q6_K, T::Q8_K};

void register_all() {
  for (const TensorType type : kTypes) {
    const std::string name(type_info(type).name);
    benchmark::RegisterBenchmark(("quantize_row/" + name).c_str(), quantize, type);
    benchmark::RegisterBenchmark(("dequantize_row/" + name).c_str(), dequantize, type);
  }
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
