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
// the NT tokens, whose NT dot chains run side by side. NG groups g, g + apart, ... go block by
// block; kStream: a few tokens read as decode reads (prefetch_tile_block, cache.hpp).
template <typename Dot, TensorType T, int NG, int NT, bool kStream>
void q32_tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t g, std::int64_t apart, std::int64_t t0) {
  using B = Q32Block<Dot, T>;
  const std::byte* group[NG];
  group_starts(w, g, apart, group);
  __m512 acc[NG * NT];
  for (auto& a : acc) a = _mm512_setzero_ps();
  for (std::int64_t b = 0; b < w.cols / 32; ++b) {
    for (int s = 0; s < NG; ++s) {
      const std::byte* blk = group[s] + static_cast<std::size_t>(b) * B::kBytes;
      prefetch_tile_block<kStream>(blk, B::kBytes, x);
      const __m512 scale = load_f16x16(blk);
      __m512i wq[8];
      B::unpack(blk + 2 * R, wq);
      for (int t = 0; t < NT; ++t) {
        const std::int8_t* a = x.q + (t0 + t) * x.cols + b * 32;
        const Block32 ab = block32(x, t0 + t, b);
        __m512i dot = _mm512_setzero_si512();
        for (int m = 0; m < 8; ++m) dot = B::dot(dot, wq[m], broadcast4(a + B::act_offset(m)));
        dot = _mm512_sub_epi32(dot, _mm512_set1_epi32(B::kOffset * ab.sum));
        __m512& out = acc[s * NT + t];
        out = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(scale, _mm512_set1_ps(ab.d)), out);
      }
    }
  }
  store_groups<NG, NT>(acc, y, ldy, g, apart, t0);
}

// Decode takes one or two groups at a time, and so do up to kStreamTokens tokens where the CPU takes
// a decode distance; more tokens go in tiles of 8, the rest narrower.
template <typename Dot, TensorType T>
void matmul_q32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                std::int64_t row_begin, std::int64_t row_end) {
  std::int64_t g = row_begin / R;
  const std::int64_t g_end = row_end / R;
  if (x.n_tokens == 1) {
    for_decode_groups(x, g, g_end, [&](auto ng, std::int64_t g0, std::int64_t apart) { q32_decode<Dot, T, ng()>(w, x, y, g0, apart); });
    return;
  }
  if (streams_tokens(x)) {
    for_decode_groups(x, g, g_end, [&](auto ng, std::int64_t g0, std::int64_t apart) {
      narrow<kStreamTokens>(x.n_tokens, [&](auto nt) { q32_tile<Dot, T, ng(), nt(), true>(w, x, y, ldy, g0, apart, 0); });
    });
    return;
  }
  for (; g < g_end; ++g) {
    std::int64_t t = 0;
    for (; t + 8 <= x.n_tokens; t += 8) q32_tile<Dot, T, 1, 8, false>(w, x, y, ldy, g, 0, t);
    narrow<7>(x.n_tokens - t, [&](auto nt) { q32_tile<Dot, T, 1, nt(), false>(w, x, y, ldy, g, 0, t); });
  }
}

// ---------------------------------------------------------------------------------------------
// F32, F16 and BF16, column-major in 16-row groups (packed.hpp): one register holds column k of a
// group's 16 rows, multiplied by token t's activation k broadcast, and each lane's sum is one chain
// of multiply-adds from the first column to the last. Decode, a batched step of any size and a
// prompt (whose panels continue each chain from y) therefore compute the same bits for a token.

template <TensorType T>
inline __m512 load_column16(const std::byte* p) {
  if constexpr (T == TensorType::F32) {
    return _mm512_loadu_ps(reinterpret_cast<const float*>(p));
  } else if constexpr (T == TensorType::F16) {
    return load_f16x16(p);
  } else {
    const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
  }
}

// Decode: groups g0 (and g0 + apart) side by side (cache.hpp), kColumnStepBytes of each at a time.
template <TensorType T, int NG>
void plain_decode(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t g0, std::int64_t apart) {
  __m512 acc[NG];
  const std::byte* column[NG];
  for (int s = 0; s < NG; ++s) {
    acc[s] = _mm512_setzero_ps();
    column[s] = plain_group(w, g0 + s * apart);
  }
  for_column_steps<kColumnStepBytes, plain_column_bytes(T)>(
      w.cols, [&] { for (int s = 0; s < NG; ++s) prefetch_decode(column[s], kColumnStepBytes, x.decode_prefetch_bytes); },
      [&](std::int64_t k) {
        const __m512 xb = _mm512_set1_ps(x.f32[k]);
        for (int s = 0; s < NG; ++s) {
          acc[s] = _mm512_fmadd_ps(load_column16<T>(column[s]), xb, acc[s]);
          column[s] += plain_column_bytes(T);
        }
      });
  for (int s = 0; s < NG; ++s) _mm512_storeu_ps(y + (g0 + s * apart) * kPackRows, acc[s]);
}

// A batched step: NB groups x NT tokens, each column of weights converted once for all NT tokens,
// one register per group and token. A says what it asks for ahead as it goes (cache.hpp): the
// first tile of the groups streams them from DRAM and asks kColumnTilePrefetchBytes further on in
// them; a second (tokens 9..16) reads them from cache and asks for the next NB groups meanwhile.
template <TensorType T, int NB, int NT, Ahead A>
void plain_tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                std::int64_t g0, std::int64_t t0) {
  const std::size_t next_groups = NB * plain_group_bytes(w);
  __m512 acc[NB][NT];
  for (auto& group : acc) for (auto& a : group) a = _mm512_setzero_ps();
  const std::byte* column[NB];
  for (int b = 0; b < NB; ++b) column[b] = plain_group(w, g0 + b);
  const float* xk = x.f32 + t0 * x.cols;
  const auto ask = [&] {
    for (int b = 0; b < NB; ++b) {
      if constexpr (A == Ahead::stream) prefetch_decode(column[b], kColumnStepBytes, kColumnTilePrefetchBytes);
      if constexpr (A == Ahead::next_rows) {
        prefetch_lines(reinterpret_cast<std::uintptr_t>(column[b]) + next_groups, kColumnStepBytes);
      }
    }
  };
  for_column_steps<kColumnStepBytes, plain_column_bytes(T)>(w.cols, ask, [&](std::int64_t k) {
    __m512 wv[NB];
    for (int b = 0; b < NB; ++b) {
      wv[b] = load_column16<T>(column[b]);
      column[b] += plain_column_bytes(T);
    }
    for (int t = 0; t < NT; ++t) {
      const __m512 xb = _mm512_set1_ps(xk[t * x.cols + k]);
      for (int b = 0; b < NB; ++b) acc[b][t] = _mm512_fmadd_ps(wv[b], xb, acc[b][t]);
    }
  });
  for (int t = 0; t < NT; ++t) {
    for (int b = 0; b < NB; ++b) _mm512_storeu_ps(y + (t0 + t) * ldy + (g0 + b) * kPackRows, acc[b][t]);
  }
}

// Prompts (panel_prompt.hpp): the panel's 16-row vectors are the groups' columns, converted to f32;
// the next panel's weights are asked for into L2 while one is filled. llama-3.2-1b F16 pp512 on
// two cores (Intel, results/engine.md): 90-105 tok/s with tiles of 4 rows x 6 tokens along k, 140
// with 32-row panels of 128 -> 2048 columns, 152 with 64 rows x 6 tokens over 2048 columns; 48 x 8
// gave 146, 96 x 4 133, and blocks of tokens (to keep the activations in L2) lost to refilling
// the panels.
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

// panel[k][16 RV] = rows r0 .. r0 + 16 RV of columns k0 .. k0 + kc, as f32. Meanwhile asks for
// the same columns of the RV groups that follow, if they are below row_end, into L2.
template <TensorType T, int RV>
void fill_panel(const PackedMatrix& w, std::int64_t r0, std::int64_t row_end, std::int64_t k0, std::int64_t kc,
                float* panel) {
  const std::size_t next = RV * plain_group_bytes(w);
  for (int v = 0; v < RV; ++v) {
    const std::byte* column = plain_group(w, r0 / kPackRows + v) + static_cast<std::size_t>(k0) * plain_column_bytes(T);
    const bool ask = r0 + kPackRows * (RV + v) < row_end;
    for (std::int64_t c = 0; c < kc; ++c, column += plain_column_bytes(T)) {
      if (ask && starts_line(c, plain_column_bytes(T))) __builtin_prefetch(column + next, 0, 2);
      _mm512_store_ps(panel + c * 16 * RV + 16 * v, load_column16<T>(column));
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

// Up to 16 tokens (decode of up to 16 users) stream the weights once, in tiles of 3 groups x up to
// 8 tokens (24 accumulators): matmul_bench F16 batch8 from DRAM, one thread, 64-65 GOPS in the
// earlier bands of 8 rows x 3 tokens (8 conversions per 24 multiply-adds), 124-128 so; 2 groups x
// 8 tokens were slower end to end (llama-3.2-1b F16 at 8 users 74-75 against 80-82 tok/s).
template <TensorType T>
void matmul_plain(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                  std::int64_t row_begin, std::int64_t row_end) {
  const std::int64_t g_begin = row_begin / kPackRows, g_end = row_end / kPackRows;
  if (x.n_tokens == 1) {
    for_parts_side_by_side<kFloatDecodeGroups>(g_begin, g_end, [&](auto ng, std::int64_t g, std::int64_t apart) {
      plain_decode<T, ng()>(w, x, y, g, apart);
    });
    return;
  }
  if (x.n_tokens > 16) return plain_prompt<T>(w, x, y, ldy, row_begin, row_end);
  constexpr int kGroups = 3, kTokens = 8;
  for (std::int64_t g = g_begin, groups = 0; g < g_end; g += groups) {
    // 4 groups left go as 2 + 2: a tile of one group does 8 multiply-adds per 8 broadcasts.
    groups = g_end - g == 4 ? 2 : std::min<std::int64_t>(kGroups, g_end - g);
    narrow<kGroups>(groups, [&](auto nb) {
      narrow<kTokens>(std::min<std::int64_t>(kTokens, x.n_tokens), [&](auto nt) {
        plain_tile<T, nb(), nt(), Ahead::stream>(w, x, y, ldy, g, 0);
      });
      narrow<kTokens>(x.n_tokens - kTokens, [&](auto nt) {
        plain_tile<T, nb(), nt(), Ahead::next_rows>(w, x, y, ldy, g, kTokens);
      });
    });
  }
}

}  // namespace
}  // namespace memwall::quant::kernels
