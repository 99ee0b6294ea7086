#pragma once
// AVX-512 kernels over the packed layout, written once over the 4-byte dot product `Dot` and
// instantiated in two files: with VNNI's vpdpbusd, and with AVX512BW's vpmaddubsw + vpmaddwd for
// CPUs without VNNI. Everything sits in an anonymous namespace so the two instantiations never
// meet at link time. One zmm register holds the 16 rows of a packed group, one row per 32-bit lane.
#include <immintrin.h>

#include <cstring>
#include <utility>

#include "memwall/quant/blocks.hpp"
#include "avx512_decode.hpp"
#include "avx512_loads.hpp"
#include "cache.hpp"
#include "narrow.hpp"
#include "panel_prompt.hpp"
#include "tables.hpp"

namespace memwall::quant::kernels {
namespace {

constexpr int R = static_cast<int>(kPackRows);

// By hand: GCC 12's reduce intrinsics trip a false -Wuninitialized (GCC bug 105593).
inline float hsum(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v),
                                 _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  const __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  const __m128 p = _mm_add_ps(q, _mm_movehl_ps(q, q));
  return _mm_cvtss_f32(_mm_add_ss(p, _mm_movehdup_ps(p)));
}

// The activation scale and the sum of the quants of 32-block b of token t.
struct Block32 {
  float d;
  std::int32_t sum;
};
inline Block32 block32(const ActivationView& x, std::int64_t t, std::int64_t b) {
  const std::int64_t i = t * (x.cols / 32) + b;
  return {x.d[i], x.sums16[2 * i] + x.sums16[2 * i + 1]};
}

// ---------------------------------------------------------------------------------------------
// Q4_0 and Q8_0: per block, 16 f16 scales then the quants (packed.hpp). Each loads the block's
// weights into eight registers (the same 4 weights of 16 rows each), then for every token of the
// tile runs 8 dot products against broadcast groups of 4 activations. With an unsigned-by-signed
// dot product the weights are made unsigned with an offset (8 for Q4_0's nibbles, 128 for Q8_0
// after flipping the sign bit) that comes off as offset x sum(activations) per block: exact, in
// integers. A Dot with a signed product (kSignedQ8) takes Q8_0's bytes as they are.
template <typename Dot>
constexpr bool signed_q8() {
  if constexpr (requires { Dot::kSignedQ8; }) return Dot::kSignedQ8;
  return false;
}

template <typename Dot, TensorType T>
struct Q32Block {
  static constexpr bool kSigned = T == TensorType::Q8_0 && signed_q8<Dot>();
  static constexpr int kOffset = T == TensorType::Q4_0 ? 8 : kSigned ? 0 : 128;
  static constexpr std::size_t kBytes = T == TensorType::Q4_0 ? 2 * R + 16 * R : 2 * R + 32 * R;

  static void unpack(const std::byte* q, __m512i w[8]) {
    if constexpr (T == TensorType::Q4_0) {
      const __m512i low = _mm512_set1_epi8(0x0F);
      for (int j = 0; j < 4; ++j) {
        const __m512i v = load512(q + 64 * j);
        w[2 * j] = _mm512_and_si512(v, low);
        w[2 * j + 1] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
      }
    } else if constexpr (kSigned) {
      for (int j = 0; j < 8; ++j) w[j] = load512(q + 64 * j);
    } else {
      const __m512i sign = _mm512_set1_epi8(static_cast<char>(0x80));
      for (int j = 0; j < 8; ++j) w[j] = _mm512_xor_si512(load512(q + 64 * j), sign);
    }
  }
  static __m512i dot(__m512i acc, __m512i w, __m512i a) {
    if constexpr (kSigned) {
      return Dot::dot4_signed(acc, w, a);
    } else {
      return Dot::dot4(acc, w, a);
    }
  }
  // Register m holds weights 4m..4m+3 in both formats (Q4_0's m = 2i is the low nibbles of
  // weights 8i..8i+3, m = 2i + 1 the high nibbles, 8i+4..8i+7), so its activations start at 4m.
  static constexpr int act_offset(int m) { return 4 * m; }
};

// Decode: one token, NG groups side by side (decode_groups), the weights unpacked right where the
// dot product consumes them; two dot chains per block, and successive blocks overlap.
template <typename Dot, TensorType T, int NG>
void q32_decode(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t g,
                std::int64_t apart) {
  using B = Q32Block<Dot, T>;
  decode_groups<NG>(
      w, x, y, g, apart, w.cols / 32, B::kBytes, B::kBytes, [&](std::int64_t b) { return std::pair{x.q + b * 32, block32(x, 0, b)}; },
      [&](__m512 acc, const std::byte* blk, const std::pair<const std::int8_t*, Block32>& token) {
        const auto& [a, ab] = token;
        __m512i wq[8];
        B::unpack(blk + 2 * R, wq);
        __m512i dot0 = _mm512_setzero_si512(), dot1 = _mm512_setzero_si512();
        for (int m = 0; m < 8; m += 2) {
          dot0 = B::dot(dot0, wq[m], broadcast4(a + B::act_offset(m)));
          dot1 = B::dot(dot1, wq[m + 1], broadcast4(a + B::act_offset(m + 1)));
        }
        const __m512i dot = _mm512_sub_epi32(_mm512_add_epi32(dot0, dot1), _mm512_set1_epi32(B::kOffset * ab.sum));
        return _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(load_f16x16(blk), _mm512_set1_ps(ab.d)), acc);
      });
}

// Several tokens: a block's weights are unpacked once into eight registers and reused for each of
// the NT tokens, whose NT dot chains run side by side.
template <typename Dot, TensorType T, int NT>
void q32_tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t g, std::int64_t t0) {
  using B = Q32Block<Dot, T>;
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  __m512 acc[NT];
  for (auto& a : acc) a = _mm512_setzero_ps();
  for (std::int64_t b = 0; b < w.cols / 32; ++b) {
    const std::byte* blk = group + static_cast<std::size_t>(b) * B::kBytes;
    prefetch_ahead(blk, B::kBytes);
    const __m512 scale = load_f16x16(blk);
    __m512i wq[8];
    B::unpack(blk + 2 * R, wq);
    for (int t = 0; t < NT; ++t) {
      const std::int8_t* a = x.q + (t0 + t) * x.cols + b * 32;
      const Block32 ab = block32(x, t0 + t, b);
      __m512i dot = _mm512_setzero_si512();
      for (int m = 0; m < 8; ++m) dot = B::dot(dot, wq[m], broadcast4(a + B::act_offset(m)));
      dot = _mm512_sub_epi32(dot, _mm512_set1_epi32(B::kOffset * ab.sum));
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(scale, _mm512_set1_ps(ab.d)), acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) _mm512_storeu_ps(y + (t0 + t) * ldy + g * R, acc[t]);
}

// Decode takes one or two groups at a time; several tokens go in tiles of 8, the rest narrower.
template <typename Dot, TensorType T>
void matmul_q32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                std::int64_t row_begin, std::int64_t row_end) {
  std::int64_t g = row_begin / R;
  const std::int64_t g_end = row_end / R;
  if (x.n_tokens == 1) {
    for_decode_groups(x, g, g_end, [&](auto ng, std::int64_t g0, std::int64_t apart) { q32_decode<Dot, T, ng()>(w, x, y, g0, apart); });
    return;
  }
  for (; g < g_end; ++g) {
    std::int64_t t = 0;
    for (; t + 8 <= x.n_tokens; t += 8) q32_tile<Dot, T, 8>(w, x, y, ldy, g, t);
    narrow<7>(x.n_tokens - t, [&](auto nt) { q32_tile<Dot, T, nt()>(w, x, y, ldy, g, t); });
  }
}

// ---------------------------------------------------------------------------------------------
// F32, F16 and BF16 (banded or row-major, packed.hpp): a tile of RR rows x NT tokens keeps one vector
// accumulator per pair along k and reduces each at the end of the row.

template <TensorType T>
inline __m512 load_chunk16(const std::byte* p) {
  if constexpr (T == TensorType::F32) {
    return _mm512_loadu_ps(reinterpret_cast<const float*>(p));
  } else if constexpr (T == TensorType::F16) {
    return load_f16x16(p);
  } else {
    const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
  }
}

// RR rows x NT tokens of banded weights (packed.hpp), r0 a multiple of RR: row r0 + r of a chunk
// sits r x 16 elements after row r0, and with RR = 8 the tile reads one contiguous stream. With
// A says what it asks for ahead as it goes (cache.hpp).
template <TensorType T, int RR, int NT, Ahead A = Ahead::none>
void plain_tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                std::int64_t r0, std::int64_t t0) {
  const std::size_t next_rows = A == Ahead::next_rows ? plain_row_offset(w, r0 + RR) - plain_row_offset(w, r0) : 0;
  constexpr std::size_t kRowBytes = plain_element_bytes(T) * kPlainChunkCols;  // of one chunk
  __m512 acc[RR][NT];
  for (auto& row : acc) for (auto& a : row) a = _mm512_setzero_ps();
  const std::byte* chunk = plain_row(w, r0);
  const std::size_t stride = plain_chunk_stride(w);
  for (std::int64_t k = 0; k < w.cols; k += 16, chunk += stride) {
    if constexpr (A == Ahead::stream) prefetch_ahead(chunk, RR * kRowBytes);
    if constexpr (A == Ahead::next_rows) prefetch_lines(reinterpret_cast<std::uintptr_t>(chunk) + next_rows, RR * kRowBytes);
    __m512 xv[NT];
    for (int t = 0; t < NT; ++t) xv[t] = _mm512_loadu_ps(x.f32 + (t0 + t) * x.cols + k);
    for (int r = 0; r < RR; ++r) {
      const __m512 wv = load_chunk16<T>(chunk + r * kRowBytes);
      for (int t = 0; t < NT; ++t) acc[r][t] = _mm512_fmadd_ps(wv, xv[t], acc[r][t]);
    }
  }
  for (int r = 0; r < RR; ++r) {
    for (int t = 0; t < NT; ++t) y[(t0 + t) * ldy + r0 + r] = hsum(acc[r][t]);
  }
}

// Decode: the bands of rows r0 (and r0 + apart_rows) side by side (cache.hpp), 16 columns at a time.
template <TensorType T, int NG>
void plain_decode(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t r0, std::int64_t apart_rows) {
  constexpr int RR = kPlainBandRows;
  constexpr std::size_t kRowBytes = plain_element_bytes(T) * kPlainChunkCols;  // of one chunk
  __m512 acc[NG][RR];
  for (auto& band : acc) for (auto& a : band) a = _mm512_setzero_ps();
  const std::byte* chunk[NG];
  for (int s = 0; s < NG; ++s) chunk[s] = plain_row(w, r0 + s * apart_rows);
  const std::size_t stride = plain_chunk_stride(w);
  for (std::int64_t k = 0; k < w.cols; k += 16) {
    const __m512 xv = _mm512_loadu_ps(x.f32 + k);
    for (int s = 0; s < NG; ++s) {
      prefetch_decode(chunk[s], RR * kRowBytes, x.decode_prefetch_bytes);
      for (int r = 0; r < RR; ++r) acc[s][r] = _mm512_fmadd_ps(load_chunk16<T>(chunk[s] + r * kRowBytes), xv, acc[s][r]);
      chunk[s] += stride;
    }
  }
  for (int s = 0; s < NG; ++s) {
    for (int r = 0; r < RR; ++r) y[r0 + s * apart_rows + r] = hsum(acc[s][r]);
  }
}

// Prompts turn the tile around (panel_prompt.hpp): 16 rows to a register, each 16 x 16 block of the
// banded weights converted to f32 and transposed in registers into the panel, the next panel's
// weights asked for into L2 while one is filled. llama-3.2-1b F16 pp512 on two cores (Intel,
// results/engine.md): 90-105 tok/s with tiles of 4 rows x 6 tokens along k, 140 with 32-row panels
// of 128 -> 2048 columns, 152 with 64 rows x 6 tokens over 2048 columns; 48 x 8 gave 146, 96 x 4
// 133, and blocks of tokens (to keep the activations in L2) lost to refilling the panels.
struct Zmm {
  using Reg = __m512;
  static constexpr int kLanes = 16;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load(const float* p) { return _mm512_load_ps(p); }
  static Reg loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void storeu(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static Reg set1(float f) { return _mm512_set1_ps(f); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
};

// Round b (8, 4, 2, 1) of a 16 x 16 transpose swaps the off-diagonal b x b blocks of rows i and
// i + b (bit b of i clear): lane j of the first permute takes row i's element j where bit b of j
// is clear, else row i + b's element j - b; the second, row i's j + b, else row i + b's j.
struct TransposeIndex {
  alignas(64) std::int32_t first[16], second[16];
};
constexpr TransposeIndex transpose_index(int b) {
  TransposeIndex idx{};
  for (int j = 0; j < 16; ++j) {
    idx.first[j] = (j & b) ? 16 + j - b : j;
    idx.second[j] = (j & b) ? 16 + j : j + b;
  }
  return idx;
}
inline constexpr TransposeIndex kTransposeIndex[4] = {transpose_index(8), transpose_index(4), transpose_index(2),
                                                      transpose_index(1)};
// r[i] (row i, columns 0..15) becomes column i (rows 0..15).
[[gnu::always_inline]] inline void transpose16(__m512 r[16]) {
  for (int round = 0; round < 4; ++round) {
    const int b = 8 >> round;
    const __m512i first = _mm512_load_si512(kTransposeIndex[round].first);
    const __m512i second = _mm512_load_si512(kTransposeIndex[round].second);
    for (int i = 0; i < 16; ++i) {
      if (i & b) continue;
      const __m512 a = r[i], c = r[i + b];
      r[i] = _mm512_permutex2var_ps(a, first, c);
      r[i + b] = _mm512_permutex2var_ps(a, second, c);
    }
  }
}

// panel[k][16 RV] = rows r0 .. r0 + 16 RV of columns k0 .. k0 + kc, as f32. Meanwhile asks for
// the same columns of the 16 RV rows that follow, if they are below row_end, into L2.
template <TensorType T, int RV>
void fill_panel(const PackedMatrix& w, std::int64_t r0, std::int64_t row_end, std::int64_t k0, std::int64_t kc,
                float* panel) {
  constexpr std::size_t kElement = plain_element_bytes(T), kBandChunk = kPlainBandRows * kPlainChunkCols * kElement;
  const std::size_t stride = plain_chunk_stride(w), band_bytes = plain_row_offset(w, kPlainBandRows);
  const std::size_t column = plain_column_offset(k0, stride, kElement);
  for (int v = 0; v < RV; ++v) {
    const std::byte* rows[16];
    for (int i = 0; i < 16; ++i) rows[i] = plain_row(w, r0 + 16 * v + i) + column;
    const std::int64_t next = r0 + 16 * (RV + v);
    const std::byte* next_chunk = next < row_end ? plain_row(w, next) + column : nullptr;
    for (std::int64_t c = 0; c < kc; c += 16) {
      const std::size_t chunk = static_cast<std::size_t>(c / 16) * stride;
      if (next_chunk) {  // the next 16 rows' chunk: one in each of two bands
        for (std::size_t off = 0; off < 2 * kBandChunk; off += 64) {
          __builtin_prefetch(next_chunk + chunk + off / kBandChunk * band_bytes + off % kBandChunk, 0, 2);
        }
      }
      __m512 r[16];
      for (int i = 0; i < 16; ++i) r[i] = load_chunk16<T>(rows[i] + chunk);
      transpose16(r);
      for (int j = 0; j < 16; ++j) _mm512_store_ps(panel + (c + j) * 16 * RV + 16 * v, r[j]);
    }
  }
}

template <TensorType T>
void plain_prompt(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                  std::int64_t row_begin, std::int64_t row_end) {
  panel_prompt<Zmm, 64, 6>(w, x, y, ldy, row_begin, row_end, [&](auto rv, std::int64_t r0, std::int64_t k0, std::int64_t kc, float* panel) {
    fill_panel<T, rv()>(w, r0, row_end, k0, kc, panel);
  });
}

template <TensorType T>
void matmul_plain(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                  std::int64_t row_begin, std::int64_t row_end) {
  if (w.cols % 16 != 0) return kernels::generic().matmul(T)(w, x, y, ldy, row_begin, row_end);
  // Up to 16 tokens (decode of up to 16 users) stream the weights once: bands of 8 rows x up to 3
  // tokens (one stream of weights). One token, against 8 row-major rows (eight streams), two
  // threads, interleaved: qwen2.5-0.5b F16 27-33 against 19-24 tok/s, llama-3.2-1b F16 11.5-14.8
  // against 9.6-13.4 (two bands side by side, or a prefetch 16 KiB ahead, were slower). Several
  // tokens are compute-bound and their first tile asks for the weights ahead (cache.hpp):
  // matmul_bench F16 from DRAM, one thread, 3 tokens 22.4 -> 12.0 ms, 4 tokens 27.7 -> 14.3, 8
  // tokens 36.5 -> 26.1 (4 x 6 tiles: 27.6). 4-6 tokens of half-precision weights take half bands
  // of 4 rows x all of them instead, converting each weight once: 16-18 against 18-21 ms for F16
  // and BF16; F32, with nothing to convert, is faster in bands (17 against 18-23). The second tile
  // of a band reads it from cache and asks for the next band meanwhile: 8 F16 tokens 27.6-27.9 ->
  // 22.0-23.1 ms, 4 F32 tokens 15.8-16.0 -> 11.2-13.3.
  if (x.n_tokens == 1) {
    for_decode_groups(x, row_begin / kPlainBandRows, row_end / kPlainBandRows,
                      [&](auto ng, std::int64_t band, std::int64_t apart) {
                        plain_decode<T, ng()>(w, x, y, band * kPlainBandRows, apart * kPlainBandRows);
                      });
    return;
  }
  if (x.n_tokens <= 16) {
    const std::int64_t n = x.n_tokens;
    if (T != TensorType::F32 && n >= 4 && n <= 6) {
      for (std::int64_t r = row_begin; r < row_end; r += 4) {
        narrow<6>(n, [&](auto nt) { plain_tile<T, 4, nt(), Ahead::stream>(w, x, y, ldy, r, 0); });
      }
      return;
    }
    for (std::int64_t r = row_begin; r < row_end; r += kPlainBandRows) {
      for (std::int64_t t = 0; t < n; t += 3) {
        narrow<3>(std::min<std::int64_t>(3, n - t), [&](auto nt) {
          if (t == 0 && n > 1) return plain_tile<T, kPlainBandRows, nt(), Ahead::stream>(w, x, y, ldy, r, t);
          if (t == 3) return plain_tile<T, kPlainBandRows, nt(), Ahead::next_rows>(w, x, y, ldy, r, t);
          plain_tile<T, kPlainBandRows, nt()>(w, x, y, ldy, r, t);
        });
      }
    }
    return;
  }
  plain_prompt<T>(w, x, y, ldy, row_begin, row_end);
}

}  // namespace
}  // namespace memwall::quant::kernels
