#include "memwall/quant/matmul.hpp"

#include <array>
#include <utility>

#if defined(__x86_64__) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "memwall/quant/reference.hpp"
#include "cache.hpp"
#include "tables.hpp"

namespace memwall::quant {
namespace {

constexpr std::array<std::pair<KernelIsa, std::string_view>, 7> kIsaNames{{
    {KernelIsa::generic, "generic"},
    {KernelIsa::avx2, "avx2"},
    {KernelIsa::avx512bw, "avx512bw"},
    {KernelIsa::avx512vnni, "avx512vnni"},
    {KernelIsa::avx512amx, "avx512amx"},
    {KernelIsa::neon, "neon"},
    {KernelIsa::neon_dotprod, "neon-dotprod"},
}};

}  // namespace

std::string_view isa_name(KernelIsa isa) {
  for (const auto& [i, name] : kIsaNames) {
    if (i == isa) return name;
  }
  return "unknown";
}

std::vector<KernelIsa> runnable_isas(const KernelCpu& cpu) {
  std::vector<KernelIsa> isas;
#if defined(__x86_64__)
  if (cpu.avx512bw && cpu.avx512vnni && cpu.amx) isas.push_back(KernelIsa::avx512amx);
  if (cpu.avx512bw && cpu.avx512vnni) isas.push_back(KernelIsa::avx512vnni);
  if (cpu.avx512bw) isas.push_back(KernelIsa::avx512bw);
  if (cpu.avx2) isas.push_back(KernelIsa::avx2);
#elif defined(__aarch64__)
  if (cpu.neon && cpu.dotprod) isas.push_back(KernelIsa::neon_dotprod);
  if (cpu.neon) isas.push_back(KernelIsa::neon);
#endif
  (void)cpu;
  isas.push_back(KernelIsa::generic);
  return isas;
}

std::size_t decode_prefetch_bytes(const KernelCpu& cpu, TensorType type, std::int64_t n_tokens) {
  constexpr int kZen5 = 0x1A;
  if (cpu.intel) return kernels::kDecodePrefetchBytes;
  if (cpu.amd_family < kZen5) return 0;
  switch (type) {
    case TensorType::Q4_0:
    case TensorType::Q4_1:
    case TensorType::Q5_0:
    case TensorType::Q5_1:
    case TensorType::Q3_K:
    case TensorType::Q4_K:
    case TensorType::Q5_K:
    case TensorType::Q6_K:
      if (n_tokens > 1) return kernels::kZen5BatchPrefetchBytes;
      return type == TensorType::Q6_K ? kernels::kZen5Q6DecodePrefetchBytes : kernels::kZen5DecodePrefetchBytes;
    case TensorType::F16:
    case TensorType::BF16: return n_tokens == 1 ? kernels::kZen5FloatDecodePrefetchBytes : 0;
    default: return 0;
  }
}

bool amx_tiles_permitted() {
#if defined(__x86_64__) && defined(__linux__)
  // Linux hands the tiles' 8 KiB of register state only to a process that asks for it.
  constexpr long kReqXcompPerm = 0x1023, kXtileData = 18;
  static const bool granted = syscall(SYS_arch_prctl, kReqXcompPerm, kXtileData) == 0;
  return granted;
#else
  return false;
#endif
}

bool decode_side_by_side(const KernelCpu& cpu, TensorType type, std::int64_t n_tokens) {
  return cpu.intel || (n_tokens == 1 && type != TensorType::Q6_K);
}

const Kernels& kernels_for(KernelIsa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case KernelIsa::avx2: return kernels::avx2();
    case KernelIsa::avx512bw: return kernels::avx512bw();
    case KernelIsa::avx512vnni: return kernels::avx512vnni();
    case KernelIsa::avx512amx: return kernels::avx512amx();
#elif defined(__aarch64__)
    case KernelIsa::neon: return kernels::neon();
    case KernelIsa::neon_dotprod: return kernels::neon_dotprod();
#endif
    default: return kernels::generic();
  }
}

namespace kernels {

// The prompt family of every table but avx512amx's.
constexpr std::span<const TypeKernel> kNoPrompt{};

const Kernels& generic() {
  static const Kernels k{KernelIsa::generic, quantize_generic, {kNoPrompt, plain_generic(), kquant_generic(), legacy_generic()}};
  return k;
}
#if defined(__x86_64__)
const Kernels& avx2() {
  static const Kernels k{KernelIsa::avx2, quantize_avx2, {kNoPrompt, plain_avx2(), kquant_avx2(), legacy_avx2()}};
  return k;
}
const Kernels& avx512bw() {
  static const Kernels k{KernelIsa::avx512bw, quantize_avx512,
                         {kNoPrompt, plain_avx512bw(), kquant_avx512bw(), legacy_avx512bw()}};
  return k;
}
const Kernels& avx512vnni() {
  static const Kernels k{KernelIsa::avx512vnni, quantize_avx512,
                         {kNoPrompt, plain_avx512vnni(), kquant_avx512vnni(), legacy_avx512vnni()}};
  return k;
}
const Kernels& avx512amx() {
  static const Kernels k{KernelIsa::avx512amx, quantize_avx512,
                         {prompt_avx512amx(), plain_avx512vnni(), kquant_avx512vnni(), legacy_avx512vnni()},
                         /*tiled_activations=*/true};
  return k;
}
#elif defined(__aarch64__)
const Kernels& neon() {
  static const Kernels k{KernelIsa::neon, quantize_neon, {kNoPrompt, plain_neon(), kquant_neon(), legacy_neon()}};
  return k;
}
const Kernels& neon_dotprod() {
  static const Kernels k{KernelIsa::neon_dotprod, quantize_neon,
                         {kNoPrompt, plain_neon_dotprod(), kquant_neon_dotprod(), legacy_neon_dotprod()}};
  return k;
}
#endif

}  // namespace kernels

namespace {

MatmulFn find(const Kernels& k, TensorType type) {
  for (std::span<const TypeKernel> family : k.families) {
    for (const TypeKernel& entry : family) {
      if (entry.type == type) return entry.fn;
    }
  }
  return nullptr;
}

}  // namespace

MatmulFn Kernels::matmul(TensorType type) const {
  if (MatmulFn fn = find(*this, type)) return fn;
  return find(kernels::generic(), type);
}

ActivationView quantize_activations(const Kernels& kernels, ActivationKind kind, const float* x,
                                    std::int64_t n_tokens, std::int64_t cols, std::byte* scratch) {
  if (kind == ActivationKind::f32) return {kind, n_tokens, cols, x, nullptr, nullptr, nullptr};
  const ActivationBuffers b = activation_buffers(kind, n_tokens, cols, scratch);
  kernels.quantize(kind, x, n_tokens, cols, b.q, b.d, b.sums16);
  ActivationView view = activation_view(kind, n_tokens, cols, b);
  if (kernels.tiled_activations && b.q_tiles && n_tokens >= kActivationTileTokens) {
    tile_activation_rows(b.q, 0, n_tokens, cols, b.q_tiles);
    view.q_tiles = b.q_tiles;
  }
  return view;
}

double reference_dot(TensorType type, const std::byte* row, const ActivationView& x, std::int64_t token) {
  std::vector<float> w(static_cast<std::size_t>(x.cols));
  reference_fns(type)->dequantize_row(row, w.data(), x.cols);
  const std::int64_t base = token * x.cols;
  double sum = 0;
  if (x.kind == ActivationKind::f32) {
    for (std::int64_t k = 0; k < x.cols; ++k) sum += static_cast<double>(w[k]) * x.f32[base + k];
    return sum;
  }
  const std::int64_t block = activation_block(x.kind);
  for (std::int64_t k = 0; k < x.cols; ++k) {
    sum += static_cast<double>(w[k]) * x.d[(base + k) / block] * x.q[base + k];
  }
  return sum;
}

}  // namespace memwall::quant
