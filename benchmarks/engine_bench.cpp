// The engine's other hot paths, single-threaded: activation quantization (GB/s of f32 input),
// attention over f16 and Q8_0 KV caches at a few context lengths, from cache and from DRAM (GB/s of
// K and V read), the feed-forward's SiLU over one token of llama-3.2-1b (GB/s of f32 gate and up
// read), and whole decode steps of the tiny presets (tokens/s; dominated by per-step overheads at
// that size, which is the point: barriers, norms, routing).
#include <benchmark/benchmark.h>

#include <vector>

#include "memwall/engine/attention.hpp"
#include "memwall/engine/engine.hpp"
#include "memwall/engine/forward.hpp"
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

// One token's attention over every KV head of a layer of `preset`'s shape, at the context in
// range(0). `from_dram`: the cache has enough layers to pass 1 GiB and each iteration takes the next
// layer, so K and V come from DRAM as at depth in a decode step, where the weights stream between
// one layer's attention and the next; otherwise the one layer stays in cache, as for a prompt's
// tokens after its first.
void attention(benchmark::State& state, const char* preset, const AttentionKernels* table, KvType type, bool from_dram) {
  const model::ModelSpec spec = model::find_preset(preset)->spec;
  const std::int64_t context = state.range(0);
  const std::uint64_t layer_bytes = KvCache::bytes_for(spec, type, context) / static_cast<std::uint64_t>(spec.n_layers);
  model::ModelSpec shaped = spec;
  shaped.n_layers = from_dram ? static_cast<std::int64_t>(((1ull << 30) + layer_bytes - 1) / layer_bytes) : 1;
  KvCache cache = KvCache::create(shaped, type, context).value();
  const AttentionShape shape{spec.n_head, spec.n_head_kv, spec.head_dim};
  const AttentionKernels& kernels = *table;
  std::vector<float> k(spec.kv_dim(), 0.1f), v(spec.kv_dim(), 0.2f), q(spec.q_dim(), 0.3f), out(spec.q_dim());
  for (std::int64_t layer = 0; layer < shaped.n_layers; ++layer) {
    for (std::int64_t pos = 0; pos < context; ++pos) store_kv(kernels, cache, layer, pos, shape, k.data(), v.data());
  }
  const std::int64_t gqa = spec.n_head / spec.n_head_kv;
  std::vector<float> scratch(static_cast<std::size_t>(gqa * (context + 16)));
  // As the engine asks: ahead for a sequence's first token in a batch, not for the prompt tokens
  // after it, which find the cache in cache.
  const std::size_t ahead = from_dram ? kv_prefetch_bytes(kernel_cpu(), type) : 0;
  std::int64_t layer = 0;
  for (auto _ : state) {
    for (std::int64_t h = 0; h < spec.n_head_kv; ++h) {
      attend(kernels, cache, layer, h, context - 1, shape, q.data() + h * gqa * spec.head_dim,
             out.data() + h * gqa * spec.head_dim, scratch.data(), ahead);
    }
    layer = (layer + 1) % shaped.n_layers;
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * layer_bytes));
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
    benchmark::RegisterBenchmark(("silu_mul/" + name).c_str(), silu, isa);
  }
  // Per kernel table: AVX2's comes twice on a CPU with AVX-VNNI (avx2, avxvnni).
  for (const AttentionKernels* table : runnable_attention_kernels()) {
    for (KvType type : {KvType::f16, KvType::q8_0}) {
      // GQA 4, 7 and 8: the multiply-adds per byte of K and V grow with the query heads per KV head.
      for (const char* preset : {"llama-3.2-1b", "qwen2.5-0.5b", "qwen3-30b-a3b"}) {
        std::string suffix = "/";
        suffix.append(table->isa).append("/").append(kv_type_name(type)).append("/").append(preset);
        benchmark::RegisterBenchmark(("attention" + suffix).c_str(), attention, preset, table, type, false)
            ->Arg(256)->Arg(4096);
        benchmark::RegisterBenchmark(("attention_dram" + suffix).c_str(), attention, preset, table, type, true)->Arg(4096);
      }
    }
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
