#pragma once
// AVX-512 kernels of Q2_K and Q3_K over a Dot policy (legacy_avx512.hpp). A super-block is done
// quad-set by quad-set (pack_legacy.cpp): one 64-byte load per k-group gives, masked four ways
// without shifts, the same k-group of four sub-blocks of all 16 rows. The fields keep their
// factors 4^j through the dot products, which come out exact multiples of them; the shifts that
// pair two sub-blocks' dots as the 16-bit words of one lane also divide the factors out exactly.
// Scales (and Q2_K's mins) then apply with vpdpwssd, two sub-blocks per instruction, and the
// super-block's integer sums convert to float once. for_quads and dots are forced inline: out of
// line, GCC passed each quad-set's 16 unpacked registers through memory (on the Intel host,
// matmul_bench decode_l2, one thread: Q2_K 17.3 -> 32-33 GB/s, Q3_K 18.5 -> 30-32).
#include "legacy_avx512.hpp"

namespace memwall::quant::kernels {
namespace {

// Calls fn(std::integral_constant<int, q>{}) for q = 0..3.
template <typename Fn>
[[gnu::always_inline]] inline void for_quads(Fn&& fn) {
  fn(std::integral_constant<int, 0>{});
  fn(std::integral_constant<int, 1>{});
  fn(std::integral_constant<int, 2>{});
  fn(std::integral_constant<int, 3>{});
}

inline __m512i word_pair(std::int32_t lo, std::int32_t hi) {
  return _mm512_set1_epi32(static_cast<std::int32_t>((static_cast<std::uint32_t>(lo) & 0xFFFF) |
                                                     static_cast<std::uint32_t>(hi) << 16));
}
// Per lane: the low 16-bit word of `lo`, the high one of `hi`.
inline __m512i interleave_words(__m512i lo, __m512i hi) {
  return _mm512_mask_blend_epi16(0xAAAAAAAA, lo, hi);
}

// Two sub-blocks' values as the two 16-bit words of every lane: sub-blocks (field 0, field 2) and
// (field 1, field 3) of a quad-set.
struct WordPairs {
  __m512i f02, f13;
};

template <typename Dot, TensorType T>
struct FormatK {
  static constexpr bool kQ2 = T == TensorType::Q2_K;
  static constexpr std::size_t kBytes = kQ2 ? legacy::LayoutQ2K::kBytes : legacy::LayoutQ3K::kBytes;
  static constexpr std::size_t kQuants = kQ2 ? legacy::LayoutQ2K::kQuants : legacy::LayoutQ3K::kQuants;
  // Field j of a quant byte is masked in place, so its level comes times kFieldScale[j]. Field 3
  // is first shifted down by 2: with Q3_K's high bit its levels then stay below 128, which keeps
  // vpmaddubsw's pair sums from saturating.
  static constexpr int kFieldScale[4] = {1, 4, 16, 16};
  static constexpr int kMaxLevel = kQ2 ? 3 : 7;

  // [4 j + c]: field j, k-group c of the quad-set's 16 rows.
  struct Quad {
    __m512i w[16];
  };
  template <int q>
  static Quad unpack(const std::byte* sb) {
    Quad u;
    for (int c = 0; c < 4; ++c) {
      const __m512i v = load512_once(sb + legacy::quant_chunk(kQuants, q, c));
      u.w[c] = _mm512_and_si512(v, byte_splat(0x03));
      u.w[4 + c] = _mm512_and_si512(v, byte_splat(0x0C));
      u.w[8 + c] = _mm512_and_si512(v, byte_splat(0x30));
      u.w[12 + c] = _mm512_and_si512(_mm512_srli_epi16(v, 2), byte_splat(0x30));
      if constexpr (!kQ2) {
        for (int j = 0; j < 4; ++j) {
          const __mmask64 high = load_mask(sb + legacy::q3k_high_word(q, c, j));
          u.w[4 * j + c] = _mm512_mask_add_epi8(u.w[4 * j + c], high, u.w[4 * j + c], byte_splat(4 * kFieldScale[j]));
        }
      }
    }
    return u;
  }

  // A token's activations for quad-set q, broadcast as the registers of Quad: [4 j + c] holds
  // quants 4c..4c+3 of sub-block quad_sub_block(q, j) (a: the super-block's 256 quants).
  struct Act {
    __m512i q[16];
  };
  template <int q>
  static Act activations(const std::int8_t* a) {
    Act act;
    for (int j = 0; j < 4; ++j) {
      for (int c = 0; c < 4; ++c) act.q[4 * j + c] = broadcast4(a + 16 * legacy::quad_sub_block(q, j) + 4 * c);
    }
    return act;
  }

  // Each sub-block's sum of q * a, exact, paired.
  [[gnu::always_inline]] static WordPairs dots(const Quad& u, const Act& a) {
    const __m512i raw[4] = {Dot::template dot<kMaxLevel * kFieldScale[0], 4>(u.w, a.q),
                            Dot::template dot<kMaxLevel * kFieldScale[1], 4>(u.w + 4, a.q + 4),
                            Dot::template dot<kMaxLevel * kFieldScale[2], 4>(u.w + 8, a.q + 8),
                            Dot::template dot<kMaxLevel * kFieldScale[3], 4>(u.w + 12, a.q + 12)};
    // raw[j] = kFieldScale[j] x the dot (|dot| < 2^15): the shifts put dot / kFieldScale[j] in the
    // words, the blend keeps the low word of one and the high word of the other.
    return {interleave_words(raw[0], _mm512_slli_epi32(raw[2], 12)),
            interleave_words(_mm512_srai_epi32(raw[1], 2), _mm512_slli_epi32(raw[3], 12))};
  }

  // Q2_K: scale (low nibble) and min (high nibble) of each sub-block; Q3_K: signed scales.
  struct Scales {
    WordPairs scale, min;
  };
  template <int q>
  static Scales scales(const std::byte* sb) {
    if constexpr (kQ2) {
      const __m512i v = load512_once(sb + legacy::LayoutQ2K::kScales + legacy::kChunk * q);
      const __m512i low = _mm512_set1_epi32(0x000F000F);
      return {{_mm512_and_si512(v, low), _mm512_and_si512(_mm512_srli_epi16(v, 8), low)},
              {_mm512_and_si512(_mm512_srli_epi16(v, 4), low), _mm512_srli_epi16(v, 12)}};
    } else {
      Scales s;
      s.scale = {q3_scales<2 * q>(sb), q3_scales<2 * q + 1>(sb)};
      return s;
    }
  }

  // What a token brings to a quad-set besides its quants: its sub-blocks' sums, paired (Q2_K,
  // for the mins), or 4 x the sums (Q3_K, for the levels' offset 4).
  template <int q>
  static WordPairs sums(const std::int32_t* sums16) {
    const int k = kQ2 ? 1 : 4;
    const auto s = [&](int j) { return k * sums16[legacy::quad_sub_block(q, j)]; };
    return {word_pair(s(0), s(2)), word_pair(s(1), s(3))};
  }

  struct Acc {
    __m512i scaled = _mm512_setzero_si512(), scaled2 = _mm512_setzero_si512();
    __m512i mins = _mm512_setzero_si512(), mins2 = _mm512_setzero_si512();
  };
  static void accumulate(Acc& acc, WordPairs dot, const Scales& s, const WordPairs& sums) {
    if constexpr (kQ2) {
      acc.scaled = Dot::dot16(acc.scaled, dot.f02, s.scale.f02);
      acc.scaled2 = Dot::dot16(acc.scaled2, dot.f13, s.scale.f13);
      acc.mins = Dot::dot16(acc.mins, sums.f02, s.min.f02);
      acc.mins2 = Dot::dot16(acc.mins2, sums.f13, s.min.f13);
    } else {
      const __m512i f02 = _mm512_sub_epi16(dot.f02, sums.f02), f13 = _mm512_sub_epi16(dot.f13, sums.f13);
      acc.scaled = Dot::dot16(acc.scaled, f02, s.scale.f02);
      acc.scaled2 = Dot::dot16(acc.scaled2, f13, s.scale.f13);
    }
  }
  // acc + d * da * scaled [- dmin * da * mins]: the one float step of a super-block.
  static __m512 finish(__m512 acc, const std::byte* sb, const Acc& i, float da) {
    const __m512 dav = _mm512_set1_ps(da);
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(i.scaled, i.scaled2)), _mm512_mul_ps(load_f16x16(sb), dav), acc);
    if constexpr (kQ2) {
      const __m512 dmin = _mm512_mul_ps(load_f16x16(sb + legacy::LayoutQ2K::kDmin), dav);
      acc = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(i.mins, i.mins2)), dmin, acc);
    }
    return acc;
  }

 private:
  // Pair p's signed scales (legacy_layout.hpp): sign-extend the 6-bit field from its word.
  template <int p>
  static __m512i q3_scales(const std::byte* sb) {
    constexpr legacy::Q3ScaleSlot slot = legacy::kQ3ScaleSlot[p];
    const __m512i plane = load512(sb + legacy::LayoutQ3K::kScales + legacy::kChunk * slot.plane);
    if constexpr (slot.shift == 10) {
      return _mm512_srai_epi16(plane, 10);
    } else if constexpr (slot.shift == 4) {
      return _mm512_srai_epi16(_mm512_slli_epi16(plane, 6), 10);
    } else {
      // Low 4 bits from this plane, high 2 from plane C's bits 2 (p - 6).
      const __m512i c = load512(sb + legacy::LayoutQ3K::kScales + 2 * legacy::kChunk);
      const __m512i mixed = _mm512_ternarylogic_epi32(_mm512_set1_epi32(0x000F000F), plane,
                                                      _mm512_slli_epi16(c, 4 - 2 * (p - 6)), 0xCA);
      return _mm512_srai_epi16(_mm512_slli_epi16(mixed, 10), 10);
    }
  }
};

// NG groups g, g + apart, ... against NT tokens, super-block by super-block; each quad-set is
// unpacked once per group and dotted with every token. kStream: decode where the CPU takes a
// decode distance, each quarter of a super-block asked for as its quad-set is read; otherwise 16
// KiB ahead into L2 (cache.hpp). On the Intel host, matmul_bench decode_cores (two alternated
// rounds, with the inlining above): Q2_K 23.5-23.8 -> 31.4-32.9 GB/s, Q3_K 25.1-25.7 -> 30.7-32.1
// with two groups streamed against one group at a time into L2, which stays the way elsewhere.
template <typename F, int NG, int NT, bool kStream>
void tile_k(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy, std::int64_t g,
            std::int64_t apart, std::int64_t t0) {
  const std::byte* group[NG];
  group_starts(w, g, apart, group);
  const std::int64_t n_super = w.cols / kSuperBlockSize;
  constexpr std::size_t kQuarter = F::kBytes / 4;
  __m512 acc[NG * NT];
  for (auto& a : acc) a = _mm512_setzero_ps();
  for (std::int64_t b = 0; b < n_super; ++b) {
    const auto block = [&](int s) { return group[s] + static_cast<std::size_t>(b) * F::kBytes; };
    if constexpr (!kStream) {
      for (int s = 0; s < NG; ++s) prefetch_ahead(block(s), F::kBytes);
    }
    typename F::Acc sums[NG * NT];
    for_quads([&](auto q) __attribute__((always_inline)) {
      for (int s = 0; s < NG; ++s) {
        if constexpr (kStream) prefetch_decode(block(s) + q() * kQuarter, kQuarter, x.decode_prefetch_bytes);
        const typename F::Quad u = F::template unpack<q()>(block(s));
        const typename F::Scales sc = F::template scales<q()>(block(s));
        for (int t = 0; t < NT; ++t) {
          const std::int64_t i = (t0 + t) * n_super + b;
          F::accumulate(sums[s * NT + t], F::dots(u, F::template activations<q()>(x.q + i * kSuperBlockSize)), sc,
                        F::template sums<q()>(x.sums16 + i * 16));
        }
      }
    });
    for (int s = 0; s < NG; ++s) {
      for (int t = 0; t < NT; ++t) {
        acc[s * NT + t] = F::finish(acc[s * NT + t], block(s), sums[s * NT + t], x.d[(t0 + t) * n_super + b]);
      }
    }
  }
  store_groups<NG, NT>(acc, y, ldy, g, apart, t0);
}

template <typename F>
void matmul_k(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t row_begin, std::int64_t row_end) {
  if (x.n_tokens == 1 && x.decode_prefetch_bytes) {
    return for_decode_groups(x, row_begin / R, row_end / R, [&](auto ng, std::int64_t g, std::int64_t apart) {
      tile_k<F, ng(), 1, true>(w, x, y, ldy, g, apart, 0);
    });
  }
  drive<4, 1>(
      x, row_begin, row_end, [&](auto, std::int64_t g, std::int64_t) { tile_k<F, 1, 1, false>(w, x, y, ldy, g, 0, 0); },
      [&](auto nt, std::int64_t g, std::int64_t t) { tile_k<F, 1, nt(), false>(w, x, y, ldy, g, 0, t); });
}

}  // namespace
}  // namespace memwall::quant::kernels
