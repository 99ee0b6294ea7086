// AMX: prompts of Q8_0 and Q4_0 weights on the tile unit. One tile multiply (tdpbssd) takes 16
// tokens x 32 activations (tile A) and 8 k-groups of 16 rows x 4 weights (tile B) into 16 tokens x
// 16 rows of exact int32 dot products (tile C), one 32-block at a time; AVX-512 then scales each
// block's sums as the VNNI kernels do (the same int32, the same float operations in the same
// order, so the same bits). A packed Q8_0 block's quants are tile B as they lie (packed.hpp); Q4_0's
// nibbles are spread to signed bytes first, a chunk of the group's blocks at a time, and reused for
// every tile of tokens. Tile A comes from the activations' tiled copy (ActivationView::q_tiles)
// where there is one. Fewer than 16 tokens, and the last n_tokens % 16 of a prompt, go to the
// VNNI kernel.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "avx512_loads.hpp"
#include "narrow.hpp"
#include "tables.hpp"

namespace memwall::quant::kernels {
namespace {

constexpr int R = static_cast<int>(kPackRows);
constexpr int kTileTokens = static_cast<int>(kActivationTileTokens);
constexpr int kTileBBytes = 32 * R;        // a tile B: 8 k-groups x 64 bytes
constexpr std::int64_t kChunkBlocks = 64;  // blocks of a group spread (Q4_0) or scaled into y at a time

// Tiles 0 and 1: A (16 tokens x 32 bytes); 2 and 3: B (8 x 64 bytes); 4 to 7: C (16 x 16 int32).
struct alignas(64) TileConfig {
  std::uint8_t palette = 1;
  std::uint8_t start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t bytes_per_row[16] = {32, 32, 64, 64, 64, 64, 64, 64};
  std::uint8_t rows[16] = {kTileTokens, kTileTokens, 8, 8, kTileTokens, kTileTokens, kTileTokens, kTileTokens};
};

// The scale of each 16-row block (its f16 fields) and where tile B's bytes lie.
template <TensorType T>
struct AmxBlock {
  static constexpr std::size_t kPackedBytes = T == TensorType::Q4_0 ? 2 * R + 16 * R : 2 * R + 32 * R;
  // Q4_0's 4 chunks of nibbles as 8 k-groups of signed bytes: low nibbles of chunk j are k-group
  // 2j, high nibbles 2j + 1, each less Q4_0's offset of 8.
  static void spread(const std::byte* packed, std::int8_t* out) {
    const __m512i low = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
    for (int j = 0; j < 4; ++j) {
      const __m512i v = load512(packed + 2 * R + 64 * j);
      _mm512_store_si512(out + 128 * j, _mm512_sub_epi8(_mm512_and_si512(v, low), eight));
      _mm512_store_si512(out + 128 * j + 64, _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(v, 4), low), eight));
    }
  }
};

// Adds block b's int32 sums (16 tokens x 16 rows, as tile C stored them) times the rows' and the
// tokens' scales into acc (16 x 16), as the VNNI kernels add them into a register.
inline void scale_into(const std::int32_t* sums, const std::byte* scales, const float* d, std::int64_t d_stride,
                       float* acc) {
  const __m512 ws = load_f16x16(scales);
  for (int m = 0; m < kTileTokens; ++m) {
    const __m512 dot = _mm512_cvtepi32_ps(_mm512_load_si512(sums + R * m));
    float* out = acc + R * m;
    _mm512_store_ps(out, _mm512_fmadd_ps(dot, _mm512_mul_ps(ws, _mm512_set1_ps(d[m * d_stride])), _mm512_load_ps(out)));
  }
}

// NT tiles of 16 tokens from t0 times NG groups from g, blocks [b0, b0 + nb): each block's A tiles
// (0, 1) and B tiles (2, 3) are loaded once for NT x NG multiplies into C tiles 4 + 2 t + s, which
// AVX-512 then scales into a 16 x 16 float tile of sums each; y holds those between chunks of
// blocks (b0 > 0 continues them). quants(s, b) is block b's tile B of group g + s.
template <int NT, int NG, typename Quants>
void tiles(const std::byte* const* group, std::size_t block_bytes, const ActivationView& x, float* y,
           std::int64_t ldy, std::int64_t t0, std::int64_t g, std::int64_t b0, std::int64_t nb, Quants&& quants) {
  const std::int64_t blocks = x.cols / 32;
  alignas(64) std::int32_t sums[4][kTileTokens * R];  // one per C tile: all are stored before any is scaled
  alignas(64) float acc[NT][NG][kTileTokens * R];
  const auto out = [&](int t, int s, int m) { return y + (t0 + kTileTokens * t + m) * ldy + (g + s) * R; };
  for (int t = 0; t < NT; ++t) {
    for (int s = 0; s < NG; ++s) {
      for (int m = 0; m < kTileTokens; ++m) {
        _mm512_store_ps(acc[t][s] + R * m, b0 == 0 ? _mm512_setzero_ps() : _mm512_loadu_ps(out(t, s, m)));
      }
    }
  }
  // Tile A of tokens t0 + 16 t, block b: from the tiled copy where there is one.
  const auto tokens = [&](int t, std::int64_t b) -> const void* {
    const std::int64_t first = t0 + kTileTokens * t;
    return x.q_tiles ? x.q_tiles + first * x.cols + 32 * kTileTokens * b : x.q + first * x.cols + 32 * b;
  };
  const std::int64_t a_stride = x.q_tiles ? 32 : x.cols;
  for (std::int64_t b = b0; b < b0 + nb; ++b) {
    _tile_loadd(0, tokens(0, b), a_stride);
    if constexpr (NT == 2) _tile_loadd(1, tokens(1, b), a_stride);
    _tile_loadd(2, quants(0, b), 64);
    if constexpr (NG == 2) _tile_loadd(3, quants(1, b), 64);
    _tile_zero(4);
    _tile_dpbssd(4, 0, 2);
    if constexpr (NG == 2) {
      _tile_zero(5);
      _tile_dpbssd(5, 0, 3);
    }
    if constexpr (NT == 2) {
      _tile_zero(6);
      _tile_dpbssd(6, 1, 2);
    }
    if constexpr (NT == 2 && NG == 2) {
      _tile_zero(7);
      _tile_dpbssd(7, 1, 3);
    }
    const auto scale = [&](int t, int s) {
      const std::byte* scales = group[s] + static_cast<std::size_t>(b) * block_bytes;
      scale_into(sums[2 * t + s], scales, x.d + (t0 + kTileTokens * t) * blocks + b, blocks, acc[t][s]);
    };
    _tile_stored(4, sums[0], 64);
    if constexpr (NG == 2) _tile_stored(5, sums[1], 64);
    if constexpr (NT == 2) _tile_stored(6, sums[2], 64);
    if constexpr (NT == 2 && NG == 2) _tile_stored(7, sums[3], 64);
    for (int t = 0; t < NT; ++t) {
      for (int s = 0; s < NG; ++s) scale(t, s);
    }
  }
  for (int t = 0; t < NT; ++t) {
    for (int s = 0; s < NG; ++s) {
      for (int m = 0; m < kTileTokens; ++m) _mm512_storeu_ps(out(t, s, m), _mm512_load_ps(acc[t][s] + R * m));
    }
  }
}

// Tokens [0, tokens) (a multiple of 16) of groups [g_begin, g_end), two groups by two tiles of
// tokens at a time, a chunk of kChunkBlocks blocks at a time (y holds the sums between them).
template <TensorType T>
void amx_groups(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy, std::int64_t g_begin,
                std::int64_t g_end, std::int64_t tokens) {
  using B = AmxBlock<T>;
  const std::int64_t blocks = x.cols / 32;
  alignas(64) std::int8_t spread[T == TensorType::Q4_0 ? 2 * kChunkBlocks * kTileBBytes : 64];
  const std::size_t group_bytes = w.group_bytes();
  for (std::int64_t g = g_begin; g < g_end; g += 2) {
    const std::int64_t ng = std::min<std::int64_t>(2, g_end - g);
    const std::byte* group[2] = {w.data + static_cast<std::size_t>(g) * group_bytes,
                                 w.data + static_cast<std::size_t>(g + 1) * group_bytes};
    const auto packed = [&](int s, std::int64_t b) { return group[s] + static_cast<std::size_t>(b) * B::kPackedBytes; };
    for (std::int64_t b0 = 0; b0 < blocks; b0 += kChunkBlocks) {
      const std::int64_t nb = std::min(kChunkBlocks, blocks - b0);
      if constexpr (T == TensorType::Q4_0) {
        for (int s = 0; s < ng; ++s) {
          for (std::int64_t b = 0; b < nb; ++b) B::spread(packed(s, b0 + b), spread + (s * kChunkBlocks + b) * kTileBBytes);
        }
      }
      const auto quants = [&](int s, std::int64_t b) -> const void* {
        if constexpr (T == TensorType::Q4_0) {
          return spread + (s * kChunkBlocks + b - b0) * kTileBBytes;
        } else {
          return packed(s, b) + 2 * R;
        }
      };
      std::int64_t t0 = 0;
      for (; t0 + 2 * kTileTokens <= tokens; t0 += 2 * kTileTokens) {
        narrow<2>(ng, [&](auto n) { tiles<2, n()>(group, B::kPackedBytes, x, y, ldy, t0, g, b0, nb, quants); });
      }
      if (t0 < tokens) narrow<2>(ng, [&](auto n) { tiles<1, n()>(group, B::kPackedBytes, x, y, ldy, t0, g, b0, nb, quants); });
    }
  }
}

template <TensorType T>
void matmul_amx(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy, std::int64_t row_begin,
                std::int64_t row_end) {
  static const MatmulFn vnni = avx512vnni().matmul(T);
  const std::int64_t tiled = x.n_tokens / kTileTokens * kTileTokens;
  if (tiled > 0) {
    static const TileConfig config;
    _tile_loadconfig(&config);
    amx_groups<T>(w, x, y, ldy, row_begin / R, row_end / R, tiled);
    _tile_release();
  }
  if (tiled < x.n_tokens) vnni(w, activation_rows(x, tiled, x.n_tokens - tiled), y + tiled * ldy, ldy, row_begin, row_end);
}

constexpr TypeKernel kTypes[] = {
    {TensorType::Q8_0, matmul_amx<TensorType::Q8_0>},
    {TensorType::Q4_0, matmul_amx<TensorType::Q4_0>},
};

}  // namespace

std::span<const TypeKernel> prompt_avx512amx() { return kTypes; }

}  // namespace memwall::quant::kernels
