// The kquant family's AVX2 + FMA kernels (see tables.hpp) over the packed layouts of
// pack_kquant.cpp, run by the drivers of avx2_kernels.hpp half group by half group. A sub-block's
// scale multiplies its dot product in the vpmaddwd that widens vpmaddubsw's pair sums (no 32-bit
// multiply); the mins and Q6_K's offset 32 come off through the activations' sums of 16. The
// integer sums of a super-block are exact (at most 8 x 63 x 32 x 31 x 127 for Q5_K, 16 x 128 x
// (16 x 63 x 127 + 32 x 16 x 127) for Q6_K) and turn to float once.
#include "avx2_kernels.hpp"
#include "kquant_layout.hpp"

namespace memwall::quant::kernels {
namespace {

using kquant::Q45Layout;
using kquant::Q6Layout;

// Q4_K and Q5_K: x = d * sc_j * q - dmin * m_j over 8 sub-blocks j of 32 weights.
template <TensorType T>
struct Q45 {
  using L = Q45Layout<T>;
  static constexpr int kBlock = kSuperBlockSize;
  static constexpr std::size_t kBytes = L::kBytes;
  static constexpr int kUnits = 8;
  static constexpr int kTile = 4;
  static constexpr bool kDecodePrefetch = true;
  static constexpr CpuPrefetch kCpuPrefetch = CpuPrefetch::units;
  // Two groups at a time (cache.hpp): Q4_K 25 -> 28-29 GB/s on two Intel cores; Q5_K 26.6-27.7 -> 25.8.
  static constexpr int kDecodeGroups = T == TensorType::Q4_K ? 2 : 1;
  static constexpr int kMaxLevel = L::kHighBits ? 31 : 15;

  // The half's scales as bytes, one row per lane: bytes 0..3 of `low` are sc_0..sc_3, of `high`
  // sc_4..sc_7; and its mins as the 16-bit pairs (m_2i, m_2i+1). The three scale chunks a, b, c
  // hold the file's scale bytes 0-3, 4-7, 8-11 (kquant_packing.hpp has the bit layout).
  struct Head {
    __m256i low, high, mins[4];
  };
  [[gnu::always_inline]] static Head head(const std::byte* sb, int h) {
    const __m256i a = load256(sb + L::kScales + 32 * h), b = load256(sb + L::kScales + 64 + 32 * h),
                  c = load256(sb + L::kScales + 128 + 32 * h);
    const __m256i low6 = byte_splat(63), low4 = byte_splat(15), bits45 = byte_splat(0x30);
    // sc_4..7 and m_4..7: the low 4 bits from c's nibbles, the high 2 from the top of a (b); the
    // 16-bit shifts drag a neighbour's bits in, which the ANDs clear.
    const __m256i high_scales =
        _mm256_or_si256(_mm256_and_si256(c, low4), _mm256_and_si256(_mm256_srli_epi16(a, 2), bits45));
    const __m256i low_mins = _mm256_and_si256(b, low6);
    const __m256i high_mins = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(c, 4), low4),
                                              _mm256_and_si256(_mm256_srli_epi16(b, 2), bits45));
    return {_mm256_and_si256(a, low6),
            high_scales,
            {_mm256_shuffle_epi8(low_mins, lane_bytes(0, -1, 1, -1)),
             _mm256_shuffle_epi8(low_mins, lane_bytes(2, -1, 3, -1)),
             _mm256_shuffle_epi8(high_mins, lane_bytes(0, -1, 1, -1)),
             _mm256_shuffle_epi8(high_mins, lane_bytes(2, -1, 3, -1))}};
  }

  // The sums of the sub-blocks' activations (each |sum| <= 32 x 127) as the pairs of words
  // (sum_2i, sum_2i+1), i = 0..3.
  struct Tok {
    float d;
    std::int32_t sum_pairs[4];
  };
  static Tok token(const Act& a) {
    Tok t{a.d, {}};
    const auto* sums16 = reinterpret_cast<const __m256i*>(a.sums16);
    // Lane by lane: sum_0 sum_1 sum_4 sum_5 | sum_2 sum_3 sum_6 sum_7, then to words in order.
    const __m256i sums = _mm256_hadd_epi32(_mm256_loadu_si256(sums16), _mm256_loadu_si256(sums16 + 1));
    const __m256i pairs =
        _mm256_permutevar8x32_epi32(_mm256_packs_epi32(sums, sums), _mm256_setr_epi32(0, 4, 1, 5, 0, 4, 1, 5));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(t.sum_pairs), _mm256_castsi256_si128(pairs));
    return t;
  }

  // Register m holds the levels of weights 4m..4m+3 of the sub-block (the low nibbles of k-group
  // m / 2 for even m, the high ones for odd m), with Q5_K's fifth bits.
  struct Unit {
    __m256i w[8];
    __m256i scale16;
  };
  template <int j>
  [[gnu::always_inline]] static Unit unpack(const std::byte* sb, int h, const Head& head) {
    Unit u;
    const __m256i low4 = byte_splat(15);
    for (int i = 0; i < 4; ++i) {
      const __m256i v = load256(sb + L::nibbles(j, i) + 32 * h);
      u.w[2 * i] = _mm256_and_si256(v, low4);
      u.w[2 * i + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
      if constexpr (L::kHighBits) {
        for (int m = 2 * i; m < 2 * i + 2; ++m) {
          u.w[m] = _mm256_or_si256(u.w[m], expand_bits(sb + L::mask(j, m), h, 16));
        }
      }
    }
    u.scale16 = _mm256_shuffle_epi8(j < 4 ? head.low : head.high, lane_bytes(j % 4, -1, j % 4, -1));
    return u;
  }
  template <int j>
  [[gnu::always_inline]] static __m256i dot(const Unit& u, const std::int8_t* q, const Tok&) {
    return dot_scaled<kMaxLevel, 8>(u.w, q + 32 * j, u.scale16);
  }

  // acc += da * (d * scaled - dmin * sum_j m_j sum_j(a)).
  [[gnu::always_inline]] static __m256 finish(__m256 acc, const std::byte* sb, int h, const Head& head, __m256i scaled,
                                              const Tok& t) {
    __m256i mins = _mm256_madd_epi16(head.mins[0], _mm256_set1_epi32(t.sum_pairs[0]));
    for (int i = 1; i < 4; ++i) {
      mins = _mm256_add_epi32(mins, _mm256_madd_epi16(head.mins[i], _mm256_set1_epi32(t.sum_pairs[i])));
    }
    const __m256 da = _mm256_set1_ps(t.d);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(scaled), _mm256_mul_ps(load_f16x8(sb + L::kD + 16 * h), da), acc);
    return _mm256_fnmadd_ps(_mm256_cvtepi32_ps(mins), _mm256_mul_ps(load_f16x8(sb + L::kDmin + 16 * h), da), acc);
  }
};

// Q6_K: x = d * sc_s * (q - 32) over 16 sub-blocks s of 16 weights, sc_s a signed byte.
struct Q6 {
  static constexpr int kBlock = kSuperBlockSize;
  static constexpr std::size_t kBytes = Q6Layout::kBytes;
  static constexpr int kUnits = 16;
  static constexpr int kTile = 4;
  static constexpr bool kDecodePrefetch = false;  // 55-59 against 50-53 GOPS with it (cache.hpp)
  // On Intel, all of a block at once: matmul_bench decode_cores 29.1-29.3 GB/s against 31.2-31.7
  // without; unit by unit is faster still (CpuPrefetch).
  static constexpr CpuPrefetch kCpuPrefetch = CpuPrefetch::units;
  static constexpr int kDecodeGroups = 1;  // two: 26.8-28.3 -> 24.6-26.2 GB/s on two Intel cores

  struct Head {};
  [[gnu::always_inline]] static Head head(const std::byte*, int) { return {}; }

  struct Tok {
    float d;
    const std::int32_t* sums16;
  };
  static Tok token(const Act& a) { return {a.d, a.sums16}; }

  // Register c < 3 is chunk c's low 6 bits (weights 4c..4c+3 of the sub-block); register 3 gathers
  // the chunks' top bit pairs (weights 12..15). The scale in both words, and -32 x the scale in the
  // low word for the offset 32 of the levels.
  struct Unit {
    __m256i w[4];
    __m256i scale16, offset16;
  };
  template <int s>
  [[gnu::always_inline]] static Unit unpack(const std::byte* sb, int h, const Head&) {
    Unit u;
    const __m256i c0 = load256(sb + Q6Layout::quants(s, 0) + 32 * h);
    const __m256i c1 = load256(sb + Q6Layout::quants(s, 1) + 32 * h);
    const __m256i c2 = load256(sb + Q6Layout::quants(s, 2) + 32 * h);
    const __m256i low6 = byte_splat(63);
    u.w[0] = _mm256_and_si256(c0, low6);
    u.w[1] = _mm256_and_si256(c1, low6);
    u.w[2] = _mm256_and_si256(c2, low6);
    // Bits 6-7 of chunk c to bits 2c..2c+1; the 16-bit shifts drag a neighbour's bits in, which
    // the ANDs clear.
    u.w[3] = _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(c0, 6), byte_splat(0x03)),
                                             _mm256_and_si256(_mm256_srli_epi16(c1, 4), byte_splat(0x0C))),
                             _mm256_and_si256(_mm256_srli_epi16(c2, 2), byte_splat(0x30)));
    // The 8 rows' scale bytes into the high byte of both words of their lanes, then sign-extended.
    std::int64_t scales;
    std::memcpy(&scales, sb + Q6Layout::kScales + 16 * s + H * h, 8);
    const __m256i row_in_words = _mm256_setr_epi8(-1, 0, -1, 0, -1, 1, -1, 1, -1, 2, -1, 2, -1, 3, -1, 3,
                                                  -1, 4, -1, 4, -1, 5, -1, 5, -1, 6, -1, 6, -1, 7, -1, 7);
    u.scale16 = _mm256_srai_epi16(_mm256_shuffle_epi8(_mm256_set1_epi64x(scales), row_in_words), 8);
    u.offset16 = _mm256_mullo_epi16(u.scale16, _mm256_set1_epi32(word_pair(-32, 0)));
    return u;
  }
  // sc_s * (dot_s - 32 sum_s(a)); levels up to 63 pair two vpmaddubsw in 16 bits. The sum as a
  // dword against offset16: its low word is the sum (|sum| <= 16 x 127), its high word meets zero.
  template <int s>
  [[gnu::always_inline]] static __m256i dot(const Unit& u, const std::int8_t* q, const Tok& t) {
    return _mm256_add_epi32(dot_scaled<63, 4>(u.w, q + 16 * s, u.scale16),
                            _mm256_madd_epi16(u.offset16, _mm256_set1_epi32(t.sums16[s])));
  }

  [[gnu::always_inline]] static __m256 finish(__m256 acc, const std::byte* sb, int h, const Head&, __m256i scaled,
                                              const Tok& t) {
    const __m256 d_da = _mm256_mul_ps(load_f16x8(sb + Q6Layout::kD + 16 * h), _mm256_set1_ps(t.d));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(scaled), d_da, acc);
  }
};

constexpr TypeKernel kTypes[] = {
    {TensorType::Q4_K, matmul<Q45<TensorType::Q4_K>>},
    {TensorType::Q5_K, matmul<Q45<TensorType::Q5_K>>},
    {TensorType::Q6_K, matmul<Q6>},
};

}  // namespace

std::span<const TypeKernel> kquant_avx2() { return kTypes; }

}  // namespace memwall::quant::kernels
