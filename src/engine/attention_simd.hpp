#pragma once
// Private to engine/: attention of one query-head group written once over a vector policy V and
// instantiated per instruction set (attention_avx2.cpp, attention_avx512.cpp). Everything sits in
// an anonymous namespace so each instantiation stays in its own file.
//
// V provides: Reg, kLanes, kRegisters, zero(), set1(x), load(const float*), load(const uint16_t*)
// (widening f16), store(float*, r), store(uint16_t*, r) (narrowing to f16, nearest even),
// fmadd(a, b, c) (a b + c), fnmadd(a, b, c) (c - a b), mul, div, add, sub, max, min, round(r) (to
// the nearest integer) and pow2(n) (2^n for integral n in [-127, 127]); the exponential and the
// reductions below are built on them.
#include <algorithm>
#include <cstdint>

#include "attention_generic.hpp"

namespace memwall::engine::detail {
namespace {

// e^x for x <= 88 (softmax after subtracting the max, x <= 0; SiLU's clamped e^-g): 2^n e^r with
// |r| <= ln2/2 (ln2 split in two for an exact r) and a degree-6 polynomial for e^r (relative error
// below 2e-7); below -87 the result is 0.
template <typename V>
typename V::Reg vexp(typename V::Reg x) {
  using Reg = typename V::Reg;
  x = V::max(x, V::set1(-87.0f));
  const Reg n = V::round(V::mul(x, V::set1(1.44269504f)));
  Reg r = V::fnmadd(n, V::set1(0.693145752f), x);
  r = V::fnmadd(n, V::set1(1.42860677e-6f), r);
  Reg p = V::set1(1.0f / 720);
  for (float c : {1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f}) p = V::fmadd(p, r, V::set1(c));
  return V::mul(p, V::pow2(n));
}

template <typename V>
float reduce_add(typename V::Reg r) {
  float lanes[V::kLanes];
  V::store(lanes, r);
  float s = 0;
  for (float l : lanes) s += l;
  return s;
}

template <typename V>
float reduce_max(typename V::Reg r) {
  float lanes[V::kLanes];
  V::store(lanes, r);
  float m = lanes[0];
  for (float l : lanes) m = l > m ? l : m;
  return m;
}

template <typename V>
struct GroupAttention {
  using Reg = typename V::Reg;
  static constexpr int L = V::kLanes;
  static constexpr int kTileRegs = kKvTile / L;  // registers per 16 positions

  // Scores of GN heads for every position, scaled: K tile rows are loaded once for all heads.
  template <int GN, typename T>
  static void scores(const float* q, std::int64_t hd, const T* k_tiles, std::int64_t n_tiles, float scale,
                     std::int64_t stride, float* s) {
    for (std::int64_t t = 0; t < n_tiles; ++t) {
      Reg acc[GN][kTileRegs];
      for (auto& head : acc) for (Reg& r : head) r = V::zero();
      const T* tile = k_tiles + t * hd * kKvTile;
      for (std::int64_t d = 0; d < hd; ++d) {
        Reg k[kTileRegs];
        for (int l = 0; l < kTileRegs; ++l) k[l] = V::load(tile + d * kKvTile + l * L);
        for (int g = 0; g < GN; ++g) {
          const Reg qd = V::set1(q[g * hd + d]);
          for (int l = 0; l < kTileRegs; ++l) acc[g][l] = V::fmadd(qd, k[l], acc[g][l]);
        }
      }
      for (int g = 0; g < GN; ++g) {
        for (int l = 0; l < kTileRegs; ++l) V::store(s + g * stride + t * kKvTile + l * L, V::mul(acc[g][l], V::set1(scale)));
      }
    }
  }

  // In place over n values (the rest of the row is padding): exp(x - max) / sum.
  static void softmax(float* s, std::int64_t n) {
    Reg vmax = V::set1(s[0]);
    std::int64_t i = 0;
    for (; i + L <= n; i += L) vmax = V::max(vmax, V::load(s + i));
    float max = reduce_max<V>(vmax);
    for (; i < n; ++i) max = std::max(max, s[i]);
    Reg vsum = V::zero();
    float sum = 0;
    const Reg m = V::set1(max);
    for (i = 0; i + L <= n; i += L) {
      const Reg e = vexp<V>(V::sub(V::load(s + i), m));
      V::store(s + i, e);
      vsum = V::add(vsum, e);
    }
    for (; i < n; ++i) sum += (s[i] = std::exp(s[i] - max));
    const float inverse = 1.0f / (sum + reduce_add<V>(vsum));
    for (i = 0; i + L <= n; i += L) V::store(s + i, V::mul(V::load(s + i), V::set1(inverse)));
    for (; i < n; ++i) s[i] *= inverse;
  }

  // out (GN, hd) = weights (GN, n_pos) times V, CR registers of dimensions at a time, so the GN x CR
  // accumulators stay in registers while the positions stream by.
  template <int GN, int CR, typename T>
  static void weighted_values(const float* s, std::int64_t stride, const T* v_rows, std::int64_t n_pos,
                              std::int64_t hd, float* out) {
    for (std::int64_t d0 = 0; d0 < hd; d0 += CR * L) {
      Reg acc[GN][CR];
      for (auto& head : acc) for (Reg& r : head) r = V::zero();
      for (std::int64_t p = 0; p < n_pos; ++p) {
        Reg v[CR];
        for (int c = 0; c < CR; ++c) v[c] = V::load(v_rows + p * hd + d0 + c * L);
        for (int g = 0; g < GN; ++g) {
          const Reg w = V::set1(s[g * stride + p]);
          for (int c = 0; c < CR; ++c) acc[g][c] = V::fmadd(w, v[c], acc[g][c]);
        }
      }
      for (int g = 0; g < GN; ++g) {
        for (int c = 0; c < CR; ++c) V::store(out + g * hd + d0 + c * L, acc[g][c]);
      }
    }
  }

  // As many dimensions per pass as the registers left after GN x CR accumulators allow.
  template <int GN>
  static constexpr int chunk_registers() {
    const int free = (V::kRegisters - 4) / GN;
    return free >= 4 ? 4 : free >= 2 ? 2 : 1;
  }

  template <int GN, typename T>
  static void group(const float* q, std::int64_t hd, KvPlanes<T> kv, std::int64_t n_pos, float* out, float* scratch) {
    const std::int64_t n_tiles = (n_pos + kKvTile - 1) / kKvTile, stride = n_tiles * kKvTile;
    scores<GN>(q, hd, kv.k_tiles, n_tiles, 1.0f / std::sqrt(static_cast<float>(hd)), stride, scratch);
    for (int g = 0; g < GN; ++g) softmax(scratch + g * stride, n_pos);
    weighted_values<GN, chunk_registers<GN>()>(scratch, stride, kv.v_rows, n_pos, hd, out);
  }

  // Heads in groups of up to 8 (GQA ratios run from 1 to 8 in practice).
  template <typename T>
  static void attend(const float* q, std::int64_t gqa, std::int64_t hd, KvPlanes<T> kv, std::int64_t n_pos,
                     float* out, float* scratch) {
    if (hd % (4 * L) != 0) return attend_generic(q, gqa, hd, kv, n_pos, out, scratch);
    const std::int64_t stride = (n_pos + kKvTile - 1) / kKvTile * kKvTile;
    for (std::int64_t g0 = 0; g0 < gqa; g0 += 8) {
      const float* qg = q + g0 * hd;
      float* og = out + g0 * hd;
      float* sg = scratch + g0 * stride;
      switch (std::min<std::int64_t>(8, gqa - g0)) {
        case 1: group<1>(qg, hd, kv, n_pos, og, sg); break;
        case 2: group<2>(qg, hd, kv, n_pos, og, sg); break;
        case 3: group<3>(qg, hd, kv, n_pos, og, sg); break;
        case 4: group<4>(qg, hd, kv, n_pos, og, sg); break;
        case 5: group<5>(qg, hd, kv, n_pos, og, sg); break;
        case 6: group<6>(qg, hd, kv, n_pos, og, sg); break;
        case 7: group<7>(qg, hd, kv, n_pos, og, sg); break;
        default: group<8>(qg, hd, kv, n_pos, og, sg); break;
      }
    }
  }
};

// silu(g) * u = g / (1 + e^-g) * u, whole vectors, the tail by the scalar silu_mul. e^-g is taken
// at min(-g, 88), within float range: below g = -88 the result is 0 to float precision either way.
template <typename V>
void silu_mul(const float* gate, const float* up, std::int64_t n, float* out) {
  using Reg = typename V::Reg;
  std::int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) {
    const Reg g = V::load(gate + i);
    const Reg e = vexp<V>(V::min(V::sub(V::zero(), g), V::set1(88.0f)));
    V::store(out + i, V::mul(V::div(g, V::add(V::set1(1.0f), e)), V::load(up + i)));
  }
  engine::silu_mul(gate + i, up + i, n - i, out + i);
}

// out[i] = x[i] as f16 (round to nearest even), whole vectors, the tail by the scalar to_f16.
template <typename V>
void to_f16(const float* x, std::int64_t n, std::uint16_t* out) {
  std::int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) V::store(out + i, V::load(x + i));
  engine::to_f16(x + i, n - i, out + i);
}

}  // namespace
}  // namespace memwall::engine::detail
