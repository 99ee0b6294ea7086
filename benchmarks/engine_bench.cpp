// The engine's other hot paths, single-threaded: activation quantization (GB/s of f32 input),
// attention over an f16 KV cache at a few context lengths (GB/s of K and V read), the feed-forward's
// SiLU over one token of llama-3.2-1b (GB/s of f32 gate and up read), and whole decode
// steps of the tiny presets (tokens/s; dominated by per-step overheads at that size, which is the
// point: barriers, norms, routing).
#include <benchmark/benchmark.h>

#include <vector>

#include "memwall/engine/attention.hpp"
#include "memwall/engine/engine.hpp"
#include "memwall/model/presets.hpp"
#include "memwall/quant/matmul.hpp"

namespace memwall::engine {
namespace {

void quantize(benchmark::State& state, quant::KernelIsa isa, quant::ActivationKind kind) {
  constexpr std::int64_t kCols = 4096;
  const std::vector<float> x(kCols, 0.25f);
  std::vector<std::byte> scratch(quant::activation_buffers(kind, 1, kCols, nullptr).total_bytes + 64);
  auto* aligned = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(scratch.data()) + 63) / 64 * 64);
  const quant::Kernels& k = quant::kernels_for(isa);
  for (auto _ : state) benchmark::DoNotOptimize(quant::quantize_activations(k, kind, x.data(), 1, kCols, aligned));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * kCols * 4);
}

void silu(benchmark::State& state, quant::KernelIsa isa) {
  constexpr std::int64_t kFf = 8192;  // llama-3.2-1b's n_ff
  std::vector<float> gate(kFf, -0.75f), up(kFf, 0.5f), out(kFf);
  const AttentionKernels& kernels = attention_kernels(isa);
  for (auto _ : state) {
    kernels.silu_mul(gate.data(), up.data(), kFf, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * kFf * 8);
}

void attention(benchmark::State& state, quant::KernelIsa isa) {
  const model::ModelSpec spec = model::find_preset("llama-3.2-1b")->spec;  // 8 KV heads of 64, GQA 4
  const std::int64_t context = state.range(0);
  KvCache cache = KvCache::create(spec, KvType::f16, context).value();
  const AttentionShape shape{spec.n_head, spec.n_head_kv, spec.head_dim};
  const AttentionKernels& kernels = attention_kernels(isa);
  std::vector<float> k(spec.kv_dim(), 0.1f), v(spec.kv_dim(), 0.2f), q(spec.q_dim(), 0.3f), out(spec.q_dim());
  for (std::int64_t pos = 0; pos < context; ++pos) store_kv(kernels, cache, 0, pos, shape, k.data(), v.data());
  std::vector<float> scratch(static_cast<std::size_t>(4 * (context + 16)));
  for (auto _ : state) {
    for (std::int64_t h = 0; h < spec.n_head_kv; ++h) {
      attend(kernels, cache, 0, h, context - 1, shape, q.data() + h * 4 * spec.head_dim, out.data() + h * 4 * spec.head_dim,
             scratch.data());
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * context * spec.kv_dim() * 2 * 2);
}

void decode_step(benchmark::State& state, const char* preset) {
  const auto model = load_preset(model::find_preset(preset)->spec, model::Scheme::Q8_0, {}).value();
  SteadyClock clock;
  auto engine = Engine::create(model, {}, clock).value();
  std::vector<TokenEvent> events;
  for (auto _ : state) {
    state.PauseTiming();
    if (engine->idle()) {
      if (!engine->add({{1, 2, 3}, 4000, 0}).ok()) state.SkipWithError("cannot add a sequence");
      engine->step(events);
    }
    state.ResumeTiming();
    engine->step(events);
    events.clear();
  }
  state.counters["tok/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

int register_all() {
  for (quant::KernelIsa isa : runnable_isas()) {
    const std::string name(quant::isa_name(isa));
    benchmark::RegisterBenchmark(("quantize/" + name + "/q8_32").c_str(), quantize, isa, quant::ActivationKind::q8_32);
    benchmark::RegisterBenchmark(("quantize/" + name + "/q8_256").c_str(), quantize, isa, quant::ActivationKind::q8_256);
    benchmark::RegisterBenchmark(("attention/" + name).c_str(), attention, isa)->Arg(256)->Arg(4096);
    benchmark::RegisterBenchmark(("silu_mul/" + name).c_str(), silu, isa);
  }
  for (const char* preset : {"tiny-llama", "tiny-moe"}) {
    benchmark::RegisterBenchmark((std::string("decode_step/") + preset).c_str(), decode_step, preset);
  }
  return 0;
}

}  // namespace
}  // namespace memwall::engine

int main(int argc, char** argv) {
  memwall::engine::register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
