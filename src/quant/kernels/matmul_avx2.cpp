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

  // Q8_0: the 16-bit pair sums of 4-byte groups, widened to 32 bits at once (two pairs of 127 x 127
  // would not fit 16 bits).
  static __m256i dot4(__m256i acc, __m256i w, __m256i a) {
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
  }

  // acc + scale_da x (the block's dot product with activations a - offset), for one token and the
  // 8 rows of a half: the one sequence decode and tiles share, so results do not depend on the batch.
  // Q4_0's nibbles (at most 15) let all 8 products add up in 16 bits before one vpmaddwd widens
  // them (dot_scaled).
  static __m256 accumulate(__m256 acc, const __m256i wq[8], const std::int8_t* a, __m256i offset, __m256 scale_da) {
    __m256i sum;
    if constexpr (T == TensorType::Q4_0) {
      sum = dot_scaled<15, 8>(wq, a, _mm256_set1_epi16(1));
    } else {
      __m256i dot0 = _mm256_setzero_si256(), dot1 = _mm256_setzero_si256();
      for (int m = 0; m < 8; m += 2) {
        dot0 = dot4(dot0, wq[m], broadcast4(a + 4 * m));
        dot1 = dot4(dot1, wq[m + 1], broadcast4(a + 4 * m + 4));
      }
      sum = _mm256_add_epi32(dot0, dot1);
    }
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(sum, offset)), scale_da, acc);
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

// F32, F16 and BF16, column-major in 16-row groups (packed.hpp): a group's column is two registers
// of 8 rows, each multiplied by a broadcast activation; every lane's sum is one chain along k, as
// on AVX-512, so decode and batched steps agree exactly.
template <TensorType T>
inline constexpr std::size_t kHalfBytes = plain_column_bytes(T) / 2;
// Decode: groups g0 (and g0 + apart) side by side (cache.hpp), kColumnStepBytes of each at a time.
template <TensorType T, int NG>
void plain_decode(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t g0, std::int64_t apart) {
  __m256 acc[NG][2];
  const std::byte* column[NG];
  for (int s = 0; s < NG; ++s) {
    acc[s][0] = acc[s][1] = _mm256_setzero_ps();
    column[s] = plain_group(w, g0 + s * apart);
  }
  for_column_steps<kColumnStepBytes, plain_column_bytes(T)>(
      w.cols, [&] { for (int s = 0; s < NG; ++s) prefetch_decode(column[s], kColumnStepBytes, x.decode_prefetch_bytes); },
      [&](std::int64_t k) {
        const __m256 xb = _mm256_set1_ps(x.f32[k]);
        for (int s = 0; s < NG; ++s) {
          for (int h = 0; h < 2; ++h) acc[s][h] = _mm256_fmadd_ps(load_8<T>(column[s] + h * kHalfBytes<T>), xb, acc[s][h]);
          column[s] += plain_column_bytes(T);
        }
      });
  for (int s = 0; s < NG; ++s) {
    for (int h = 0; h < 2; ++h) _mm256_storeu_ps(y + (g0 + s * apart) * kPackRows + 8 * h, acc[s][h]);
  }
}

// A batched step: one group x NT tokens (2 NT accumulators within AVX2's 16 registers), each
// column converted once for all NT tokens, a line of the group per step (two, as decode takes:
// matmul_bench avx2/F16/batch8 55-57 against 60 GOPS). A says what it asks for ahead (cache.hpp).
template <TensorType T, int NT, Ahead A>
void plain_tile(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                std::int64_t g, std::int64_t t0) {
  constexpr std::size_t kStepBytes = 64;
  const std::size_t next_group = plain_group_bytes(w);
  __m256 acc[2][NT];
  for (auto& half : acc) for (auto& a : half) a = _mm256_setzero_ps();
  const std::byte* column = plain_group(w, g);
  const float* xk = x.f32 + t0 * x.cols;
  const auto ask = [&] {
    if constexpr (A == Ahead::stream) prefetch_decode(column, kStepBytes, kColumnTilePrefetchBytes);
    if constexpr (A == Ahead::next_rows) prefetch_lines(reinterpret_cast<std::uintptr_t>(column) + next_group, kStepBytes);
  };
  for_column_steps<kStepBytes, plain_column_bytes(T)>(w.cols, ask, [&](std::int64_t k) {
    const __m256 lo = load_8<T>(column), hi = load_8<T>(column + kHalfBytes<T>);
    column += plain_column_bytes(T);
    for (int t = 0; t < NT; ++t) {
      const __m256 xb = _mm256_set1_ps(xk[t * x.cols + k]);
      acc[0][t] = _mm256_fmadd_ps(lo, xb, acc[0][t]);
      acc[1][t] = _mm256_fmadd_ps(hi, xb, acc[1][t]);
    }
  });
  for (int t = 0; t < NT; ++t) {
    for (int h = 0; h < 2; ++h) _mm256_storeu_ps(y + (t0 + t) * ldy + g * kPackRows + 8 * h, acc[h][t]);
  }
}

// Prompts, as on AVX-512 (panel_prompt.hpp): 8 rows to a register, panels of 24 rows x 4 tokens
// within AVX2's 16 registers. With the engine forced to AVX2 on the Intel host, llama-3.2-1b F16,
// 512 prompt tokens on two cores: 57-59 tok/s with tiles of 4 rows x 3 tokens along k, 92-93 with
// panels of 24 rows x 4 tokens (16 x 6: 90, 32 x 3: 82).
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

// Rows r .. r + 8 (r a multiple of 8) of column k.
template <TensorType T>
const std::byte* half_column(const PackedMatrix& w, std::int64_t r, std::int64_t k) {
  return plain_group(w, r / kPackRows) + static_cast<std::size_t>(r % kPackRows / 8) * kHalfBytes<T> +
         static_cast<std::size_t>(k) * plain_column_bytes(T);
}

// panel[k][8 RV] = rows r0 .. r0 + 8 RV of columns k0 .. k0 + kc, as f32. Meanwhile asks for the
// same columns of the 8 RV rows that follow, if they are below row_end, into L2.
template <TensorType T, int RV>
void fill_panel(const PackedMatrix& w, std::int64_t r0, std::int64_t row_end, std::int64_t k0, std::int64_t kc,
                float* panel) {
  for (int v = 0; v < RV; ++v) {
    const std::int64_t r = r0 + 8 * v, next = r + 8 * RV;
    const std::byte* column = half_column<T>(w, r, k0);
    const std::byte* next_column = next < row_end ? half_column<T>(w, next, k0) : nullptr;
    for (std::int64_t c = 0; c < kc; ++c) {
      if (next_column && starts_line(c, plain_column_bytes(T))) __builtin_prefetch(next_column + c * plain_column_bytes(T), 0, 2);
      _mm256_store_ps(panel + c * 8 * RV + 8 * v, load_8<T>(column + c * plain_column_bytes(T)));
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
  const std::int64_t g_begin = row_begin / kPackRows, g_end = row_end / kPackRows;
  if (x.n_tokens == 1) {
    for_parts_side_by_side<kFloatDecodeGroups>(g_begin, g_end, [&](auto ng, std::int64_t g, std::int64_t apart) {
      plain_decode<T, ng()>(w, x, y, g, apart);
    });
    return;
  }
  if (x.n_tokens > 16) return plain_prompt<T>(w, x, y, ldy, row_begin, row_end);
  // A batched decode step: compute-bound, so its first tile asks ahead in the group and its second
  // for the next group; tiles of 6 tokens.
  constexpr int kTokens = 6;
  for (std::int64_t g = g_begin; g < g_end; ++g) {
    for (std::int64_t t = 0; t < x.n_tokens; t += kTokens) {
      narrow<kTokens>(std::min<std::int64_t>(kTokens, x.n_tokens - t), [&](auto nt) {
        if (t == 0) return plain_tile<T, nt(), Ahead::stream>(w, x, y, ldy, g, t);
        if (t == kTokens) return plain_tile<T, nt(), Ahead::next_rows>(w, x, y, ldy, g, t);
        plain_tile<T, nt(), Ahead::none>(w, x, y, ldy, g, t);
      });
    }
  }
}

// The horizontal max in registers (through memory it cost more than the rest of the loop).
inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
}

// sums[j] = the sum of q[16 j .. 16 j + 16) for n quants (a multiple of 32, as every activation
// block is): the bytes biased to unsigned and summed by eights (vpsadbw), the two eights of each
// 16 added.
void sums_of_16(const std::int8_t* q, std::int64_t n, std::int32_t* sums) {
  const __m256i bias = _mm256_set1_epi8(static_cast<char>(0x80));
  for (std::int64_t i = 0; i < n; i += 32) {
    const __m256i eights =
        _mm256_sad_epu8(_mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + i)), bias),
                        _mm256_setzero_si256());
    const __m256i sixteens = _mm256_add_epi32(eights, _mm256_shuffle_epi32(eights, 0x4E));  // dwords 0 and 4
    sums[i / 16] = _mm256_cvtsi256_si32(sixteens) - 16 * 128;
    sums[i / 16 + 1] = _mm256_extract_epi32(sixteens, 4) - 16 * 128;
  }
}

}  // namespace

void quantize_avx2(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                   std::int8_t* q_out, float* d_out, std::int32_t* sums_out) {
  const std::int64_t block = activation_block(kind);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  for (std::int64_t i = 0; i < n_rows * cols; i += block) {
    // Four chains of maxima (a block is 32 or 256 floats): one was a chain of 32 latencies in 256.
    __m256 vmax[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (std::int64_t k = 0; k < block; k += 32) {
      for (int c = 0; c < 4; ++c) {
        vmax[c] = _mm256_max_ps(vmax[c], _mm256_and_ps(_mm256_loadu_ps(x + i + k + 8 * c), abs_mask));
      }
    }
    const float amax = hmax(_mm256_max_ps(_mm256_max_ps(vmax[0], vmax[1]), _mm256_max_ps(vmax[2], vmax[3])));
    const __m256 inverse = _mm256_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
    d_out[i / block] = amax / 127.0f;
    for (std::int64_t k = 0; k < block; k += 16) {
      const __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + k), inverse));
      const __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + k + 8), inverse));
      // Pack 16 int32 to int8 in order: packs mixes 128-bit lanes, permute puts them back.
      const __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xD8);
      const __m128i q8 = _mm_packs_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q_out + i + k), q8);
    }
  }
  sums_of_16(q_out, n_rows * cols, sums_out);
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
