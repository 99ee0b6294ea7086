// The legacy family's AVX2 + FMA kernels (see tables.hpp) over the packed layouts of
// pack_legacy.cpp (legacy_layout.hpp has the offsets), run by the drivers of avx2_kernels.hpp half
// group by half group. The fifth bits of Q5_0/Q5_1 and Q3_K's third bits, which AVX-512 takes as
// byte masks, are expanded to bytes with vpshufb and vpsignb (expand_bits). Q2_K and Q3_K shift
// each 2-bit field down to its level before the dot products, so that each sub-block's scale
// applies in the vpmaddwd that widens the pair sums.
#include <type_traits>

#include "avx2_kernels.hpp"
#include "legacy_layout.hpp"

namespace memwall::quant::kernels {
namespace {

// Q4_1, Q5_0, Q5_1: x = d * (q - offset) + m over blocks of 32 weights, one unit a block.
template <TensorType T>
struct Block32 {
  using L = legacy::Layout32<T>;
  static constexpr int kBlock = kBlockSize;
  static constexpr std::size_t kBytes = L::kBytes;
  static constexpr int kUnits = 1;
  static constexpr int kTile = 4;
  static constexpr bool kDecodePrefetch = false;
  static constexpr CpuPrefetch kCpuPrefetch = CpuPrefetch::block;
  // Two groups at a time (cache.hpp) where the CPU takes the prefetch: Q4_1 26 -> 30-31 GB/s on two
  // Intel cores; Q5_0 24.2-24.8 -> 29.4-30.1, Q5_1 24.1-25.0 -> 29.2-30.7.
  static constexpr int kDecodeGroups = 2;

  struct Head {};
  [[gnu::always_inline]] static Head head(const std::byte*, int) { return {}; }

  struct Tok {
    float d;
    std::int32_t sum;
  };
  static Tok token(const Act& a) { return {a.d, a.sums16[0] + a.sums16[1]}; }

  // Register m holds the levels of weights 4m..4m+3 (Q4_0's nibble order, packed.hpp).
  struct Unit {
    __m256i w[8];
  };
  template <int>
  [[gnu::always_inline]] static Unit unpack(const std::byte* blk, int h, const Head&) {
    Unit u;
    const __m256i low4 = byte_splat(15);
    for (int j = 0; j < 4; ++j) {
      const __m256i v = load256(blk + L::kNibbles + legacy::kChunk * j + 32 * h);
      u.w[2 * j] = _mm256_and_si256(v, low4);
      u.w[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
      if constexpr (L::kHighBits) {
        for (int m = 2 * j; m < 2 * j + 2; ++m) {
          u.w[m] = _mm256_or_si256(u.w[m], expand_bits(blk + L::kHigh + 8 * m, h, 16));
        }
      }
    }
    return u;
  }
  template <int>
  [[gnu::always_inline]] static __m256i dot(const Unit& u, const std::int8_t* q, const Tok&) {
    return dot_scaled<L::kMaxLevel, 8>(u.w, q, _mm256_set1_epi16(1));
  }

  // acc + d * da * (dot - offset * sum) [+ m * (da * sum)].
  [[gnu::always_inline]] static __m256 finish(__m256 acc, const std::byte* blk, int h, const Head&, __m256i dot,
                                              const Tok& t) {
    if constexpr (L::kOffset != 0) dot = _mm256_sub_epi32(dot, _mm256_set1_epi32(L::kOffset * t.sum));
    const __m256 scale = _mm256_mul_ps(load_f16x8(blk + L::kD + 16 * h), _mm256_set1_ps(t.d));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), scale, acc);
    if constexpr (L::kMins) {
      acc = _mm256_fmadd_ps(load_f16x8(blk + L::kM + 16 * h), _mm256_set1_ps(t.d * static_cast<float>(t.sum)), acc);
    }
    return acc;
  }
};

// Q2_K: x = d * sc_s * q - dmin * m_s; Q3_K: x = d * sc_s * (q - 4), over 16 sub-blocks s of 16
// weights. Unit u is field j = u % 4 of quad-set q = u / 4, i.e. sub-block quad_sub_block(q, j).
// The integer sums are exact: at most 16 x 32 x (16 x 7 x 127 + 4 x 16 x 127) for Q3_K.
template <TensorType T>
struct SuperBlock {
  static constexpr bool kQ2 = T == TensorType::Q2_K;
  static constexpr int kBlock = kSuperBlockSize;
  static constexpr std::size_t kBytes = kQ2 ? legacy::LayoutQ2K::kBytes : legacy::LayoutQ3K::kBytes;
  static constexpr std::size_t kQuants = kQ2 ? legacy::LayoutQ2K::kQuants : legacy::LayoutQ3K::kQuants;
  static constexpr int kUnits = 16;
  static constexpr int kTile = 4;
  static constexpr bool kDecodePrefetch = !kQ2;  // Q3_K from DRAM 7-9 -> 11 GB/s; Q2_K slower with it
  static constexpr CpuPrefetch kCpuPrefetch = CpuPrefetch::block;
  // Two groups (cache.hpp): Q2_K 21.2-21.5 -> 23.8-25.2 GB/s on two Intel cores, Q3_K 19-21 either way.
  static constexpr int kDecodeGroups = 2;
  static constexpr int kMaxLevel = kQ2 ? 3 : 7;

  // Q2_K: the half's mins as 16-bit pairs of fields (0, 2) and (1, 3) of each quad-set.
  struct Mins {
    __m256i min02[4], min13[4];
  };
  struct None {};
  using Head = std::conditional_t<kQ2, Mins, None>;
  [[gnu::always_inline]] static Head head(const std::byte* sb, int h) {
    if constexpr (kQ2) {
      Mins mins;
      for (int q = 0; q < 4; ++q) {
        const __m256i v = load256(sb + legacy::LayoutQ2K::kScales + legacy::kChunk * q + 32 * h);
        mins.min02[q] = _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi32(0x000F000F));
        mins.min13[q] = _mm256_srli_epi16(v, 12);
      }
      return mins;
    } else {
      return {};
    }
  }

  // Q2_K: the sub-blocks' sums as the word pairs (sum_8g+k, sum_8g+k+4) at 4g + k (k < 4), which
  // are a quad-set's fields (0, 2) and (1, 3) (pair_of); Q3_K: the sums as they are.
  struct Tok {
    float d;
    const std::int32_t* sums16;
    std::int32_t pairs[kQ2 ? 8 : 1];
  };
  static Tok token(const Act& a) {
    Tok t{a.d, a.sums16, {}};
    if constexpr (kQ2) {
      for (int g = 0; g < 2; ++g) {
        const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a.sums16 + 8 * g));
        const __m128i high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a.sums16 + 8 * g + 4));
        const __m128i pairs = _mm_unpacklo_epi16(_mm_packs_epi32(low, low), _mm_packs_epi32(high, high));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(t.pairs + 4 * g), pairs);
      }
    }
    return t;
  }
  // Where Tok holds the sums of fields (0, 2) of quad-set q; those of (1, 3) are 2 further.
  static constexpr int pair_of(int q) { return 4 * (legacy::kQuadBase[q] / 8) + legacy::kQuadBase[q] % 8; }

  // Register c holds the levels of weights 4c..4c+3 of the sub-block; the scale in both words, and
  // (Q3_K) -4 x the scale in the low word, for the offset 4 of the levels.
  struct Unit {
    __m256i w[4];
    __m256i scale16, offset16;
  };
  template <int u>
  [[gnu::always_inline]] static Unit unpack(const std::byte* sb, int h, const Head&) {
    constexpr int q = u / 4, j = u % 4;
    Unit unit{};
    for (int c = 0; c < 4; ++c) {
      const __m256i v = load256(sb + legacy::quant_chunk(kQuants, q, c) + 32 * h);
      unit.w[c] = _mm256_and_si256(j == 0 ? v : _mm256_srli_epi16(v, 2 * j), byte_splat(3));
      if constexpr (!kQ2) {
        unit.w[c] = _mm256_or_si256(unit.w[c], expand_bits(sb + legacy::q3k_high_word(q, c, j), h, 4));
      }
    }
    if constexpr (kQ2) {
      const __m256i v = load256(sb + legacy::LayoutQ2K::kScales + legacy::kChunk * q + 32 * h);
      unit.scale16 = _mm256_and_si256(_mm256_shuffle_epi8(v, lane_bytes(j, -1, j, -1)), _mm256_set1_epi16(15));
    } else {
      // Member j / 2 of pair 2q + j % 2 (legacy_layout.hpp), in both words.
      constexpr int m = j / 2;
      unit.scale16 = _mm256_shuffle_epi8(q3_pair<2 * q + j % 2>(sb, h), lane_bytes(2 * m, 2 * m + 1, 2 * m, 2 * m + 1));
      unit.offset16 = _mm256_mullo_epi16(unit.scale16, _mm256_set1_epi32(word_pair(-4, 0)));
    }
    return unit;
  }
  template <int u>
  [[gnu::always_inline]] static __m256i dot(const Unit& unit, const std::int8_t* q, const Tok& t) {
    constexpr int s = legacy::quad_sub_block(u / 4, u % 4);
    const __m256i scaled = dot_scaled<kMaxLevel, 4>(unit.w, q + 16 * s, unit.scale16);
    if constexpr (kQ2) return scaled;
    // The sum as a dword against offset16: its low word is the sum (|sum| <= 16 x 127), its high
    // word meets zero.
    return _mm256_add_epi32(scaled, _mm256_madd_epi16(unit.offset16, _mm256_set1_epi32(t.sums16[s])));
  }

  // acc + d * da * scaled [- dmin * da * sum_s m_s sum_s(a)].
  [[gnu::always_inline]] static __m256 finish(__m256 acc, const std::byte* sb, int h, const Head& head, __m256i scaled,
                                              const Tok& t) {
    const __m256 da = _mm256_set1_ps(t.d);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(scaled), _mm256_mul_ps(load_f16x8(sb + 16 * h), da), acc);
    if constexpr (kQ2) {
      __m256i mins = _mm256_setzero_si256();
      for (int q = 0; q < 4; ++q) {
        mins = _mm256_add_epi32(mins, _mm256_madd_epi16(head.min02[q], _mm256_set1_epi32(t.pairs[pair_of(q)])));
        mins = _mm256_add_epi32(mins, _mm256_madd_epi16(head.min13[q], _mm256_set1_epi32(t.pairs[pair_of(q) + 2])));
      }
      const __m256 dmin_da = _mm256_mul_ps(load_f16x8(sb + legacy::LayoutQ2K::kDmin + 16 * h), da);
      acc = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(mins), dmin_da, acc);
    }
    return acc;
  }

 private:
  // Q3_K's pair p of signed scales as the two 16-bit words of each lane: the 6-bit fields of
  // legacy_layout.hpp's planes, sign-extended.
  template <int p>
  [[gnu::always_inline]] static __m256i q3_pair(const std::byte* sb, int h) {
    constexpr legacy::Q3ScaleSlot slot = legacy::kQ3ScaleSlot[p];
    const std::byte* scales = sb + legacy::LayoutQ3K::kScales + 32 * h;
    const __m256i plane = load256(scales + legacy::kChunk * slot.plane);
    if constexpr (slot.shift == 10) {
      return _mm256_srai_epi16(plane, 10);
    } else if constexpr (slot.shift == 4) {
      return _mm256_srai_epi16(_mm256_slli_epi16(plane, 6), 10);
    } else {
      // The low 4 bits from this plane, the high 2 from bits 2 (p - 6) of plane C.
      const __m256i low4 = _mm256_set1_epi32(0x000F000F);
      const __m256i high = _mm256_slli_epi16(load256(scales + 2 * legacy::kChunk), 4 - 2 * (p - 6));
      const __m256i mixed = _mm256_or_si256(_mm256_and_si256(low4, plane), _mm256_andnot_si256(low4, high));
      return _mm256_srai_epi16(_mm256_slli_epi16(mixed, 10), 10);
    }
  }
};

constexpr TypeKernel kTypes[] = {
    {TensorType::Q4_1, matmul<Block32<TensorType::Q4_1>>},
    {TensorType::Q5_0, matmul<Block32<TensorType::Q5_0>>},
    {TensorType::Q5_1, matmul<Block32<TensorType::Q5_1>>},
    {TensorType::Q2_K, matmul<SuperBlock<TensorType::Q2_K>>},
    {TensorType::Q3_K, matmul<SuperBlock<TensorType::Q3_K>>},
};

}  // namespace

std::span<const TypeKernel> legacy_avx2() { return kTypes; }

}  // namespace memwall::quant::kernels
