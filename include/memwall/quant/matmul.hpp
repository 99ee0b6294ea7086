#pragma once
// Matrix multiplication of packed weights by activations, one implementation per instruction set,
// chosen once at start-up. Decode (a few activation rows) streams each weight byte once; prefill
// (many rows) reuses each unpacked weight register for a tile of tokens.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "memwall/quant/activations.hpp"
#include "memwall/quant/packed.hpp"

namespace memwall::quant {

// avx512amx: avx512vnni's kernels, with prompts of Q8_0 and Q4_0 weights on AMX's tile unit.
enum class KernelIsa { generic, avx2, avx512bw, avx512vnni, avx512amx, neon, neon_dotprod };

std::string_view isa_name(KernelIsa isa);

// What the CPU offers, as the kernels see it (filled by the caller from hw::IsaFeatures).
struct KernelCpu {
  bool avx2 = false;        // with FMA and F16C
  bool avx512bw = false;    // F, BW and VL
  bool avx512vnni = false;
  bool neon = false;
  bool dotprod = false;
  bool intel = false;       // GenuineIntel: see decode_prefetch_bytes
  int amd_family = 0;       // AuthenticAMD's CPUID family (0x19 Zen 3 and 4, 0x1A Zen 5), 0 on others
  bool avx_vnni = false;    // AVX-VNNI's 256-bit int8 dot products (engine attention over a Q8_0 cache)
  bool amx = false;         // AMX-TILE and AMX-INT8, with the OS's leave to use the tiles (amx_tiles_permitted)
};

// Asks Linux, once per process, for the AMX tiles' register state (arch_prctl ARCH_REQ_XCOMP_PERM);
// whether it was granted. Without it the first tile instruction is an illegal instruction.
bool amx_tiles_permitted();

// The kernel sets this CPU can run, best first; the last is always generic.
std::vector<KernelIsa> runnable_isas(const KernelCpu& cpu);

// ActivationView::decode_prefetch_bytes for weights (or a KV cache) of `type` read for n_tokens
// tokens on this CPU. On Intel cores the hardware prefetcher alone leaves a decode stream 15-30%
// short of the read bandwidth, and asking for each line 1 KiB ahead closes most of that (cache.hpp).
// On AMD Zen 4 the same prefetch made decode slower, so it is 0 there. On Zen 5 the 4- and 5-bit
// types, Q3_K and Q6_K ask ahead: for one token 4 KiB (Q6_K 6 KiB), for more 12 KiB; F16 and BF16
// 2 KiB for one token; Q2_K, Q8_0 and F32 nothing (cache.hpp).
std::size_t decode_prefetch_bytes(const KernelCpu& cpu, TensorType type, std::int64_t n_tokens);
// ActivationView::decode_side_by_side for weights of `type` and n_tokens tokens on this CPU: always
// on Intel cores (cache.hpp); on AMD's for one token only, and not for Q6_K, which reads one stream
// further ahead (cache.hpp). Two groups side by side are the two halves of the
// rows a kernel call gets: every call starts two streams cold, and the bytes asked for ahead past
// the first half's end are the second's. The engine hands a kernel about 1 MiB of weights at a
// time in a one-token step but 128 KiB or less in a batched one (engine/phase.hpp). On Zen 5, with
// 128 KiB steps, one group at a time won (tg128 alternated: llama-3.2-1b Q4_0 90-91% -> 96-98% of
// the read around it, Q4_K_M 79% -> 84-87% in the fast mode; and 8 sequences of llama-3.2-1b
// Q4_K_M 331-337 tok/s one at a time, 300-301 side by side); with 1 MiB steps two side by side win:
// results/engine.md, *Zen 5: one-token steps of 1 MiB*.
bool decode_side_by_side(const KernelCpu& cpu, TensorType type, std::int64_t n_tokens);

// y[t * ldy + r] = sum_k W[r][k] x[t][k] for every token t < x.n_tokens and row r in
// [row_begin, row_end), both multiples of kPackRows (row_end <= w.padded_rows(), ldy >= row_end).
using MatmulFn = void (*)(const PackedMatrix& w, const ActivationView& x, float* y,
                          std::int64_t ldy, std::int64_t row_begin, std::int64_t row_end);
using QuantizeFn = void (*)(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                            std::int8_t* q, float* d, std::int32_t* sums16);

struct TypeKernel {
  TensorType type;
  MatmulFn fn;
};

// A kernel table is assembled from families of types, each family in files of its own.
inline constexpr std::size_t kKernelFamilies = 4;

struct Kernels {
  KernelIsa isa;
  QuantizeFn quantize;  // identical bytes to quantize_rows_ref
  std::array<std::span<const TypeKernel>, kKernelFamilies> families;  // this ISA's own kernels
  bool tiled_activations = false;  // its kernels read q8_32 activations' q_tiles where they are set
  // This ISA's kernel for `type`, else the generic one; never null for a packable type.
  MatmulFn matmul(TensorType type) const;
};

const Kernels& kernels_for(KernelIsa isa);

// Quantizes all n_tokens rows of x with `kernels` into `scratch` (activation_buffers' total_bytes,
// 64-byte aligned), tiled as well where the kernels ask for it; for kind f32 the view is x itself.
// Single-threaded: the engine splits rows.
ActivationView quantize_activations(const Kernels& kernels, ActivationKind kind, const float* x,
                                    std::int64_t n_tokens, std::int64_t cols, std::byte* scratch);

// The exact value the kernels approximate, for tests: weights dequantized by the reference
// (bit-exact with ggml), activations dequantized (d * q), the products summed in double.
// `row` is one row of GGUF-layout bytes.
double reference_dot(TensorType type, const std::byte* row, const ActivationView& x, std::int64_t token);

}  // namespace memwall::quant
