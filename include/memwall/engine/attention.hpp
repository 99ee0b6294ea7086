#pragma once
// Attention over one sequence's KV cache. For each token and KV head, the query heads that share
// that KV head (grouped-query attention) are done together, so K and V are streamed once for all of
// them: scores for 16 positions per K tile, a softmax, then the V rows scaled and summed.
#include <cstdint>
#include <string_view>

#include "memwall/engine/kv_cache.hpp"
#include "memwall/quant/matmul.hpp"

namespace memwall::engine {

// The vector pieces, one table per instruction set, for f16 and f32 caches.
struct AttentionKernels {
  std::string_view isa;
  // scores[j] = sum_d q[d] * tile[d * 16 + j], j < 16.
  void (*tile_scores_f16)(const float* q, const std::uint16_t* tile, std::int64_t head_dim, float* scores);
  void (*tile_scores_f32)(const float* q, const float* tile, std::int64_t head_dim, float* scores);
  // out[d] += p * v[d].
  void (*accumulate_f16)(float p, const std::uint16_t* v, std::int64_t head_dim, float* out);
  void (*accumulate_f32)(float p, const float* v, std::int64_t head_dim, float* out);
};

const AttentionKernels& attention_kernels(quant::KernelIsa isa);

struct AttentionShape {
  std::int64_t n_head;
  std::int64_t n_head_kv;
  std::int64_t head_dim;
};

// Writes one token's K and V (each n_head_kv x head_dim) at `pos` of `layer`.
void store_kv(KvCache& cache, std::int64_t layer, std::int64_t pos, const AttentionShape& shape,
              const float* k, const float* v);

// out (gqa x head_dim, the query heads of kv_head) = attention of those heads of one query token at
// position `pos` (which sees positions 0..pos) over the cache. `scratch` holds (pos + 16) x gqa
// floats.
void attend(const AttentionKernels& kernels, KvCache& cache, std::int64_t layer, std::int64_t kv_head,
            std::int64_t pos, const AttentionShape& shape, const float* q, float* out, float* scratch);

}  // namespace memwall::engine
