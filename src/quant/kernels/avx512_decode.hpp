#pragma once
// Private to quant/kernels: the decode loop the AVX-512 kernel families share. One token against NG
// row groups side by side (g, g + apart: for_decode_groups in cache.hpp), block by block; one zmm
// accumulator holds a group's 16 rows. Per block b, act(b) is what the token brings (made once for
// the NG groups), and add(acc, blk, act) adds the group's block at blk. The first prefetch_bytes of
// each block are asked for ahead as the block starts (cache.hpp); a kernel that asks for its block
// part by part as it reads it passes 0. In an anonymous namespace, as the kernels are, so each ISA's
// instantiation stays in its own file.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "cache.hpp"
#include "memwall/quant/packed.hpp"

namespace memwall::quant::kernels {
namespace {

template <int NG, typename Act, typename Add>
[[gnu::always_inline]] inline void decode_groups(const PackedMatrix& w, const ActivationView& x, float* y,
                                                 std::int64_t g, std::int64_t apart, std::int64_t blocks,
                                                 std::size_t block_bytes, std::size_t prefetch_bytes, Act&& act,
                                                 Add&& add) {
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  // Out of the loop: group_bytes() is a call, which would spill the accumulators every block.
  const std::size_t apart_bytes = static_cast<std::size_t>(apart) * w.group_bytes();
  __m512 acc[NG];
  for (auto& a : acc) a = _mm512_setzero_ps();
  for (std::int64_t b = 0; b < blocks; ++b) {
    const auto token = act(b);
    for (int s = 0; s < NG; ++s) {
      const std::byte* blk = group + s * apart_bytes + static_cast<std::size_t>(b) * block_bytes;
      prefetch_decode(blk, prefetch_bytes, x.decode_prefetch_bytes);
      acc[s] = add(acc[s], blk, token);
    }
  }
  for (int s = 0; s < NG; ++s) _mm512_storeu_ps(y + (g + s * apart) * static_cast<std::int64_t>(kPackRows), acc[s]);
}

}  // namespace
}  // namespace memwall::quant::kernels
