// AVX2 + FMA kernels: a ymm register holds 8 of a packed group's 16 rows, so each group is done in
// two halves. vpmaddubsw + vpmaddwd make the 4-byte dot product.
#include "avx2_kernels.hpp"
#include "panel_prompt.hpp"

namespace memwall::quant::kernels {
namespace {

// Q4_0 and Q8_0, half h of each group (rows 8h..8h+7: bytes 32h..32h+31 of every 64-byte k-group,
// scales 8h..8h+7). Q4_0's nibbles go through vpmaddubsw as unsigned bytes, with the offset 8 taken
// off through the activation sums; Q8_0's signed bytes use the sign trick (|w| times a with w's
// sign), which keeps the 16-bit pair sums within 2 x 128 x 127.
template <TensorType T>
struct Q32 {
  static constexpr std::size_t kBytes = T == TensorType::Q4_0 ? 2 * R + 16 * R : 2 * R + 32 * R;
  static constexpr int kOffset = T == TensorType::Q4_0 ? 8 : 0;

  static void unpack(const std::byte* q, int h, __m256i w[8]) {
    if constexpr (T == TensorType::Q4_0) {
      const __m256i low = _mm256_set1_epi8(0x0F);
      for (int j = 0; j < 4; ++j) {
        const __m256i v = load256(q + 64 * j + 32 * h);
        w[2 * j] = _mm256_and_si256(v, low);
        w[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
      }
    } else {
      for (int j = 0; j < 8; ++j) w[j] = load256(q + 64 * j + 32 * h);
    }
  }

  // 16-bit pair sums of 4-byte groups, widened to 32 bits.
  static __m256i dot4(__m256i acc, __m256i w, __m256i a) {
    __m256i pairs;
    if constexpr (T == TensorType::Q4_0) {
      pairs = _mm256_maddubs_epi16(w, a);
    } else {
      pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
    }
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
  }

  // acc + scale_da x (the block's dot product with activations a - offset), for one token and the
  // 8 rows of a half: the one sequence decode and tiles share, so results do not depend on the batch.
  static __m256 accumulate(__m256 acc, const __m256i wq[8], const std::int8_t* a, __m256i offset, __m256 scale_da) {
    __m256i dot0 = _mm256_setzero_si256(), dot1 = _mm256_setzero_si256();
    for (int m = 0; m < 8; m += 2) {
      dot0 = dot4(dot0, wq[m], broadcast4(a + 4 * m));
      dot1 = dot4(dot1, wq[m + 1], broadcast4(a + 4 * m + 4));
    }
    const __m256i dot = _mm256_sub_epi32(_mm256_add_epi32(dot0, dot1), offset);
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), scale_da, acc);
  }
};

template <TensorType T, int NT>
void q32_tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t g, int h, std::int64_t t0) {
  using B = Q32<T>;
  __m256 acc[NT];
  for (auto& a : acc) a = _mm256_setzero_ps();
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  for (std::int64_t b = 0; b < w.cols / 32; ++b) {
    const std::byte* blk = group + static_cast<std::size_t>(b) * B::kBytes;
    if (h == 0) prefetch_ahead(blk, B::kBytes);  // the second half finds the group in cache
    const __m256 scale = load_f16x8(blk + 2 * H * h);
    __m256i wq[8];
    B::unpack(blk + 2 * R, h, wq);
    for (int t = 0; t < NT; ++t) {
      const std::int64_t i = (t0 + t) * (x.cols / 32) + b;
      const __m256i offset = _mm256_set1_epi32(B::kOffset * (x.sums16[2 * i] + x.sums16[2 * i + 1]));
      acc[t] = B::accumulate(acc[t], wq, x.q + i * 32, offset, _mm256_mul_ps(scale, _mm256_set1_ps(x.d[i])));
    }
  }
  for (int t = 0; t < NT; ++t) _mm256_storeu_ps(y + (t0 + t) * ldy + g * R + H * h, acc[t]);
}

// Decode: one token, both halves of a group in one pass over its blocks: two independent chains,
// each block's bytes read once (a tile of one token would read the group twice, once per half).
// Groups g and g + apart go side by side (NG = 2; cache.hpp).
template <TensorType T, int NG>
void q32_decode(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t g,
                std::int64_t apart) {
  using B = Q32<T>;
  const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
  // Out of the loop: group_bytes() is a call, which would spill the accumulators every block.
  const std::size_t apart_bytes = static_cast<std::size_t>(apart) * w.group_bytes();
  __m256 acc[NG][2];
  for (auto& pair : acc) for (auto& a : pair) a = _mm256_setzero_ps();
  for (std::int64_t b = 0; b < w.cols / 32; ++b) {
    const std::int8_t* a = x.q + b * 32;
    const __m256i offset = _mm256_set1_epi32(B::kOffset * (x.sums16[2 * b] + x.sums16[2 * b + 1]));
    const __m256 da = _mm256_set1_ps(x.d[b]);
    for (int s = 0; s < NG; ++s) {
      const std::byte* blk = group + s * apart_bytes + static_cast<std::size_t>(b) * B::kBytes;
      prefetch_decode(blk, B::kBytes, x.decode_prefetch_bytes);
      for (int h = 0; h < 2; ++h) {
        __m256i wq[8];
        B::unpack(blk + 2 * R, h, wq);
        acc[s][h] = B::accumulate(acc[s][h], wq, a, offset, _mm256_mul_ps(load_f16x8(blk + 2 * H * h), da));
      }
    }
  }
  for (int s = 0; s < NG; ++s) {
    for (int h = 0; h < 2; ++h) _mm256_storeu_ps(y + (g + s * apart) * R + H * h, acc[s][h]);
  }
}

template <TensorType T>
void matmul_q32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                std::int64_t row_begin, std::int64_t row_end) {
  if (x.n_tokens == 1) {
    for_decode_groups(x, row_begin / R, row_end / R, [&](auto ng, std::int64_t g, std::int64_t apart) { q32_decode<T, ng()>(w, x, y, g, apart); });
    return;
  }
  for (std::int64_t g = row_begin / R; g < row_end / R; ++g) {
    for (int h = 0; h < 2; ++h) {
      std::int64_t t = 0;
      for (; t + 4 <= x.n_tokens; t += 4) q32_tile<T, 4>(w, x, y, ldy, g, h, t);
      narrow<3>(x.n_tokens - t, [&](auto nt) { q32_tile<T, nt()>(w, x, y, ldy, g, h, t); });
    }
  }
}

template <TensorType T>
inline __m256 load_8(const std::byte* p) {
  if constexpr (T == TensorType::F32) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
  } else if constexpr (T == TensorType::F16) {
    return load_f16x8(p);
  } else {
    const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
  }
}

// RR rows x NT tokens, 8 columns at a time (both halves of a 16-column chunk, then the next).
// A says what it asks for ahead as it goes (cache.hpp).
template <TensorType T, int RR, int NT, Ahead A = Ahead::none>
void plain_tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                std::int64_t r0, std::int64_t t0) {
  const std::size_t next_rows = A == Ahead::next_rows ? plain_row_offset(w, r0 + RR) - plain_row_offset(w, r0) : 0;
  constexpr std::size_t kElemBytes = plain_element_bytes(T);
  constexpr std::size_t kTileBytes = RR * kElemBytes * kPlainChunkCols;  // of one chunk: the tile's rows
  __m256 acc[RR][NT];
  for (auto& row : acc) for (auto& a : row) a = _mm256_setzero_ps();
  const std::byte* rows[RR];
  for (int r = 0; r < RR; ++r) rows[r] = plain_row(w, r0 + r);
  const std::size_t stride = plain_chunk_stride(w);
  for (std::int64_t k = 0; k < w.cols; k += 8) {
    const std::size_t at = plain_column_offset(k, stride, kElemBytes);
    if constexpr (A != Ahead::none) {
      if (k % kPlainChunkCols == 0) {
        if constexpr (A == Ahead::stream) prefetch_ahead(rows[0] + at, kTileBytes);
        if constexpr (A == Ahead::next_rows) prefetch_lines(reinterpret_cast<std::uintptr_t>(rows[0] + at) + next_rows, kTileBytes);
      }
    }
    __m256 xv[NT];
    for (int t = 0; t < NT; ++t) xv[t] = _mm256_loadu_ps(x.f32 + (t0 + t) * x.cols + k);
    for (int r = 0; r < RR; ++r) {
      const __m256 wv = load_8<T>(rows[r] + at);
      for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_fmadd_ps(wv, xv[t], acc[r][t]);
    }
  }
  for (int r = 0; r < RR; ++r) {
    for (int t = 0; t < NT; ++t) y[(t0 + t) * ldy + r0 + r] = hsum(acc[r][t]);
  }
}

// Prompts, as on AVX-512 (panel_prompt.hpp): 8 rows to a register, 8 x 8 transposes, panels of 24
// rows x 4 tokens within AVX2's 16 registers. With the engine forced to AVX2 on the Intel host,
// llama-3.2-1b F16, 512 prompt tokens on two cores: 57-59 tok/s with tiles of 4 rows x 3 tokens
// along k, 92-93 with panels of 24 rows x 4 tokens (16 x 6: 90, 32 x 3: 82).
struct Ymm {
  using Reg = __m256;
  static constexpr int kLanes = 8;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load(const float* p) { return _mm256_load_ps(p); }
  static Reg loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static Reg set1(float f) { return _mm256_set1_ps(f); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
};

// r[i] (row i, columns 0..7) becomes column i (rows 0..7).
inline void transpose8(__m256 r[8]) {
  __m256 t[8], s[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);      // rows 2i, 2i+1: columns 0, 1 | 4, 5
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);  // columns 2, 3 | 6, 7
  }
  for (int h = 0; h < 2; ++h) {  // rows 0-3, then 4-7
    s[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);      // column 0 | 4
    s[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);  // column 1 | 5
    s[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);  // column 2 | 6
    s[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);  // column 3 | 7
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x20);
    r[j + 4] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x31);
  }
}

// panel[k][8 RV] = rows r0 .. r0 + 8 RV of columns k0 .. k0 + kc, as f32. Meanwhile asks for the
// same columns of the 8 RV rows that follow, if they are below row_end, into L2.
template <TensorType T, int RV>
void fill_panel(const PackedMatrix& w, std::int64_t r0, std::int64_t row_end, std::int64_t k0, std::int64_t kc,
                float* panel) {
  constexpr std::size_t kElement = plain_element_bytes(T);
  const std::size_t stride = plain_chunk_stride(w);
  for (int v = 0; v < RV; ++v) {
    const std::byte* rows[8];
    for (int i = 0; i < 8; ++i) rows[i] = plain_row(w, r0 + 8 * v + i);
    const std::int64_t next = r0 + 8 * (RV + v);
    for (std::int64_t c = 0; c < kc; c += 8) {
      const std::size_t at = plain_column_offset(k0 + c, stride, kElement);
      if (next < row_end && c % kPlainChunkCols == 0) {
        for (int i = 0; i < 8; ++i) __builtin_prefetch(plain_row(w, next + i) + at, 0, 2);
      }
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = load_8<T>(rows[i] + at);
      transpose8(r);
      for (int j = 0; j < 8; ++j) _mm256_store_ps(panel + (c + j) * 8 * RV + 8 * v, r[j]);
    }
  }
}

template <TensorType T>
void plain_prompt(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                  std::int64_t row_begin, std::int64_t row_end) {
  panel_prompt<Ymm, 24, 4>(w, x, y, ldy, row_begin, row_end, [&](auto rv, std::int64_t r0, std::int64_t k0, std::int64_t kc, float* panel) {
    fill_panel<T, rv()>(w, r0, row_end, k0, kc, panel);
  });
}

template <TensorType T>
void matmul_plain(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                  std::int64_t row_begin, std::int64_t row_end) {
  if (w.cols % 8 != 0) return kernels::generic().matmul(T)(w, x, y, ldy, row_begin, row_end);
  if (x.n_tokens == 1) {  // a band of 8 rows at a time: one stream (packed.hpp)
    for (std::int64_t r = row_begin; r < row_end; r += kPlainBandRows) plain_tile<T, kPlainBandRows, 1>(w, x, y, ldy, r, 0);
    return;
  }
  if (x.n_tokens <= 16) {  // a batched decode step: compute-bound, so its first tile asks ahead
    for (std::int64_t r = row_begin; r < row_end; r += 4) {
      for (std::int64_t t = 0; t < x.n_tokens; t += 3) {
        narrow<3>(std::min<std::int64_t>(3, x.n_tokens - t), [&](auto nt) {
          if (t == 0) return plain_tile<T, 4, nt(), Ahead::stream>(w, x, y, ldy, r, t);
          if (t == 3) return plain_tile<T, 4, nt(), Ahead::next_rows>(w, x, y, ldy, r, t);
          plain_tile<T, 4, nt()>(w, x, y, ldy, r, t);
        });
      }
    }
    return;
  }
  plain_prompt<T>(w, x, y, ldy, row_begin, row_end);
}

}  // namespace

void quantize_avx2(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                   std::int8_t* q_out, float* d_out, std::int32_t* sums_out) {
  const std::int64_t block = activation_block(kind);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  for (std::int64_t i = 0; i < n_rows * cols; i += block) {
    __m256 vmax = _mm256_setzero_ps();
    for (std::int64_t k = 0; k < block; k += 8) {
      vmax = _mm256_max_ps(vmax, _mm256_and_ps(_mm256_loadu_ps(x + i + k), abs_mask));
    }
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, vmax);
    float amax = 0;
    for (float l : lanes) amax = l > amax ? l : amax;
    const __m256 inverse = _mm256_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
    d_out[i / block] = amax / 127.0f;
    for (std::int64_t k = 0; k < block; k += 16) {
      const __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + k), inverse));
      const __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + k + 8), inverse));
      // Pack 16 int32 to int8 in order: packs mixes 128-bit lanes, permute puts them back.
      const __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xD8);
      const __m128i q8 = _mm_packs_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q_out + i + k), q8);
      alignas(32) std::int32_t s[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(s), _mm256_add_epi32(q0, q1));
      sums_out[(i + k) / 16] = s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
    }
  }
}

namespace {

constexpr TypeKernel kTypes[] = {
    {TensorType::F32, matmul_plain<TensorType::F32>},
    {TensorType::F16, matmul_plain<TensorType::F16>},
    {TensorType::BF16, matmul_plain<TensorType::BF16>},
    {TensorType::Q8_0, matmul_q32<TensorType::Q8_0>},
    {TensorType::Q4_0, matmul_q32<TensorType::Q4_0>},
};

}  // namespace

std::span<const TypeKernel> plain_avx2() { return kTypes; }

}  // namespace memwall::quant::kernels
