#pragma once
// Attention over one sequence's KV cache. For each token and KV head, the query heads that share
// that KV head (grouped-query attention) are done together, so K and V are streamed once for all of
// them: scores for 16 positions per K tile, a softmax, then the V rows scaled and summed.
#include <cstdint>
#include <string_view>

#include "memwall/engine/kv_cache.hpp"
#include "memwall/quant/matmul.hpp"

namespace memwall::engine {

// One KV head's slice of a layer's cache: K as tiles of 16 positions (head_dim x 16 values each),
// V as rows of head_dim values. T = std::byte: a Q8_0 cache's tiles and rows (kv_cache.hpp).
template <typename T>
struct KvPlanes {
  const T* k_tiles;
  const T* v_rows;
};

// out (gqa, head_dim) = softmax(q K^T / sqrt(head_dim)) V for the gqa query heads q (gqa, head_dim)
// over positions 0..n_pos-1. scratch: gqa x (n_pos + 16) floats. The vector kernels ask for K
// ahead_bytes ahead into L1 as they read it, and for V 64 positions ahead (neither when 0; the
// engine passes kv_prefetch_bytes where the cache comes from DRAM).
template <typename T>
using AttendFn = void (*)(const float* q, std::int64_t gqa, std::int64_t head_dim, KvPlanes<T> kv,
                          std::int64_t n_pos, float* out, float* scratch, std::size_t ahead_bytes);

// out[i] = silu(gate[i]) * up[i] for n values (out may be gate): the feed-forward's one
// exponential per value, on the same vector exp as attention's softmax.
using SiluMulFn = void (*)(const float* gate, const float* up, std::int64_t n, float* out);

// out[i] = x[i] as f16, rounded to the nearest even, for n values: a token's K and V on their way
// into the cache (a NaN's payload may differ from quant::f32_to_f16's).
using ToF16Fn = void (*)(const float* x, std::int64_t n, std::uint16_t* out);

struct AttentionKernels {
  std::string_view isa;
  AttendFn<std::uint16_t> attend_f16;
  AttendFn<float> attend_f32;
  AttendFn<std::byte> attend_q8;  // head_dim a multiple of 32
  SiluMulFn silu_mul;
  ToF16Fn to_f16;
};

const AttentionKernels& attention_kernels(quant::KernelIsa isa);
// The same, except that on a CPU with AVX-VNNI the AVX2 kernels read a Q8_0 cache's K in int8 dot
// products, as the AVX-512 VNNI ones do.
const AttentionKernels& attention_kernels(quant::KernelIsa isa, const quant::KernelCpu& cpu);

struct AttentionShape {
  std::int64_t n_head;
  std::int64_t n_head_kv;
  std::int64_t head_dim;
};

// Writes one token's K and V (each n_head_kv x head_dim) at `pos` of `layer`; an f16 cache converts
// them with kernels.to_f16.
void store_kv(const AttentionKernels& kernels, KvCache& cache, std::int64_t layer, std::int64_t pos,
              const AttentionShape& shape, const float* k, const float* v);

// How far ahead the attention kernels ask for a cache of `type` that comes from DRAM: the weights'
// decode distance for f16 (quant::decode_prefetch_bytes), for a Q8_0 cache too, whose weights' own
// distance is 0 on Zen 5 (engine_bench attention_dram there: llama-3.2-1b's shape 15.7 -> 16.3-16.9
// GB/s, qwen2.5-0.5b's 9.6 -> 12.6, qwen3-30b-a3b's 9.8 -> 9.9-10.1).
std::size_t kv_prefetch_bytes(const quant::KernelCpu& cpu, KvType type);

// out (gqa x head_dim, the query heads of kv_head) = attention of those heads of one query token at
// position `pos` (which sees positions 0..pos) over the cache. `scratch` holds (pos + 16) x gqa
// floats; ahead_bytes as AttendFn takes it.
void attend(const AttentionKernels& kernels, KvCache& cache, std::int64_t layer, std::int64_t kv_head,
            std::int64_t pos, const AttentionShape& shape, const float* q, float* out, float* scratch,
            std::size_t ahead_bytes);

}  // namespace memwall::engine
