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

// Where each of NG groups g, g + apart, ... of w starts (a tile of one group: apart 0).
template <int NG>
[[gnu::always_inline]] inline void group_starts(const PackedMatrix& w, std::int64_t g, std::int64_t apart,
                                                const std::byte* (&start)[NG]) {
  const std::size_t group_bytes = w.group_bytes();
  for (int s = 0; s < NG; ++s) start[s] = w.data + static_cast<std::size_t>(g + s * apart) * group_bytes;
}
// Stores acc[s * NT + t], the 16 rows of group g + s * apart for token t0 + t, into y (ldy floats a
// token).
template <int NG, int NT>
[[gnu::always_inline]] inline void store_groups(const __m512 (&acc)[NG * NT], float* y, std::int64_t ldy,
                                                std::int64_t g, std::int64_t apart, std::int64_t t0) {
  for (int s = 0; s < NG; ++s) {
    for (int t = 0; t < NT; ++t) {
      _mm512_storeu_ps(y + (t0 + t) * ldy + (g + s * apart) * static_cast<std::int64_t>(kPackRows), acc[s * NT + t]);
    }
  }
}

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
