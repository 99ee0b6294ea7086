#include "memwall/engine/attention.hpp"

#include <cstring>

#include "attention_generic.hpp"
#include "attention_isa.hpp"
#include "memwall/quant/reference.hpp"

namespace memwall::engine {
namespace {

constexpr AttentionKernels kGeneric{"generic", detail::attend_generic<std::uint16_t>, detail::attend_generic<float>,
                                    detail::attend_generic_q8, silu_mul, to_f16};

// One head's K and V at pos of a Q8_0 cache: V as a row of blocks; K block by block, each block's
// scale and quants scattered into the position's lane of its block tile.
void store_q8(KvCache& cache, std::int64_t layer, std::int64_t h, std::int64_t pos, std::int64_t hd, const float* k,
              const float* v) {
  const auto& q8 = *quant::reference_fns(quant::TensorType::Q8_0);
  q8.quantize_row(v, cache.v_row(layer, h, pos), hd);
  std::byte* tile = cache.k_tile(layer, h, pos / kKvTile);
  const std::int64_t lane = pos % kKvTile;
  for (std::int64_t b = 0; b < hd / 32; ++b) {
    quant::BlockQ8_0 block;
    q8.quantize_row(k + b * 32, &block, 32);
    std::byte* blk = tile + static_cast<std::size_t>(b) * kQ8BlockTileBytes;
    std::memcpy(blk + 2 * lane, &block.d, 2);
    for (std::int64_t j = 0; j < 32; ++j) std::memcpy(blk + q8_quant_offset(j, lane), &block.qs[j], 1);
  }
}

template <typename T>
KvPlanes<T> planes(KvCache& cache, std::int64_t layer, std::int64_t kv_head) {
  return {reinterpret_cast<const T*>(cache.k_tile(layer, kv_head, 0)),
          reinterpret_cast<const T*>(cache.v_row(layer, kv_head, 0))};
}

}  // namespace

std::size_t kv_prefetch_bytes(const quant::KernelCpu& cpu, KvType type) {
  const quant::TensorType asked_as = type == KvType::q8_0 ? quant::TensorType::F16 : kv_tensor_type(type);
  return quant::decode_prefetch_bytes(cpu, asked_as, 1);
}

const AttentionKernels& attention_kernels(quant::KernelIsa isa) {
#if defined(__x86_64__)
  if (isa == quant::KernelIsa::avx512vnni || isa == quant::KernelIsa::avx512amx) return detail::attention_avx512vnni();
  if (isa == quant::KernelIsa::avx512bw) return detail::attention_avx512();
  if (isa == quant::KernelIsa::avx2) return detail::attention_avx2();
#elif defined(__aarch64__)
  if (isa == quant::KernelIsa::neon_dotprod) return detail::attention_neon_dotprod();
  if (isa == quant::KernelIsa::neon) return detail::attention_neon();
#endif
  (void)isa;
  return kGeneric;
}

const AttentionKernels& attention_kernels(quant::KernelIsa isa, const quant::KernelCpu& cpu) {
#if defined(__x86_64__)
  if (isa == quant::KernelIsa::avx2 && cpu.avx_vnni) return detail::attention_avxvnni();
#endif
  (void)cpu;
  return attention_kernels(isa);
}

void store_kv(const AttentionKernels& kernels, KvCache& cache, std::int64_t layer, std::int64_t pos,
              const AttentionShape& shape, const float* k, const float* v) {
  const std::int64_t hd = shape.head_dim;
  for (std::int64_t h = 0; h < shape.n_head_kv; ++h) {
    if (cache.type() == KvType::q8_0) {
      store_q8(cache, layer, h, pos, hd, k + h * hd, v + h * hd);
      continue;
    }
    // K goes to column pos % 16 of its tile, V to its own row.
    if (cache.type() == KvType::f32) {
      float* tile = reinterpret_cast<float*>(cache.k_tile(layer, h, pos / kKvTile)) + pos % kKvTile;
      for (std::int64_t d = 0; d < hd; ++d) tile[d * kKvTile] = k[h * hd + d];
      std::memcpy(cache.v_row(layer, h, pos), v + h * hd, static_cast<std::size_t>(hd) * sizeof(float));
      continue;
    }
    // f16: V straight into its row; K 64 values at a time through the stack into its tile column.
    // Element by element through quant::f32_to_f16 this took 1.7 of the 8 us a layer of a one-token
    // step spent on rotary embedding and KV stores (llama-3.2-1b; results/engine.md).
    kernels.to_f16(v + h * hd, hd, reinterpret_cast<std::uint16_t*>(cache.v_row(layer, h, pos)));
    auto* tile = reinterpret_cast<std::uint16_t*>(cache.k_tile(layer, h, pos / kKvTile)) + pos % kKvTile;
    constexpr std::int64_t kChunk = 64;
    std::uint16_t half[kChunk];
    for (std::int64_t d0 = 0; d0 < hd; d0 += kChunk) {
      const std::int64_t m = std::min(kChunk, hd - d0);
      kernels.to_f16(k + h * hd + d0, m, half);
      for (std::int64_t d = 0; d < m; ++d) tile[(d0 + d) * kKvTile] = half[d];
    }
  }
}

void attend(const AttentionKernels& kernels, KvCache& cache, std::int64_t layer, std::int64_t kv_head,
            std::int64_t pos, const AttentionShape& shape, const float* q, float* out, float* scratch,
            std::size_t ahead_bytes) {
  const std::int64_t n_pos = pos + 1, gqa = shape.n_head / shape.n_head_kv, hd = shape.head_dim;
  switch (cache.type()) {
    case KvType::q8_0:
      return kernels.attend_q8(q, gqa, hd, planes<std::byte>(cache, layer, kv_head), n_pos, out, scratch, ahead_bytes);
    case KvType::f32:
      return kernels.attend_f32(q, gqa, hd, planes<float>(cache, layer, kv_head), n_pos, out, scratch, ahead_bytes);
    case KvType::f16:
      return kernels.attend_f16(q, gqa, hd, planes<std::uint16_t>(cache, layer, kv_head), n_pos, out, scratch, ahead_bytes);
  }
}

}  // namespace memwall::engine
