#pragma once
// Private to engine/: attention of one query-head group written once over a vector policy V and
// instantiated per instruction set (attention_avx2.cpp, attention_neon.cpp, ...). Everything sits in
// an anonymous namespace so each instantiation stays in its own file.
//
// V provides: Reg, kLanes, kRegisters, zero(), set1(x), set1_f16(h) (f16 h widened), load(const
// float*), load(const uint16_t*) (widening f16), load(const int8_t*) (widening), store(float*, r),
// store(uint16_t*, r) (narrowing to f16, nearest even), fmadd(a, b, c) (a b + c), fnmadd(a, b, c)
// (c - a b), mul, div, add, sub, max, min, round(r) (to the nearest integer) and pow2(n) (2^n for
// integral n in [-127, 127]); the exponential and the reductions below are built on them. For a
// Q8_0 cache's K, IReg (kLanes 32-bit lanes) and load_quads(p) (kLanes x 4 bytes); then either
// kInt8Dot = true with dot_quads(p) (K's quants as the dot instruction takes them), dot4(acc, k,
// four) (acc + the dot of each lane's 4 bytes of k with the 4 signed bytes of `four`),
// dot_start(sum) (where a block's lanes start, given the query's quant sum, so that they end at the
// signed dot) and to_float(i), or kInt8Dot = false with quad_byte<r>(raw) (each lane's byte r,
// signed, as a float).
//
// At depth K and V come from DRAM, and the kernels ask for them `ahead` bytes on as they read
// (the engine passes kv_prefetch_bytes: 1 KiB on Intel, 2 KiB on Zen 5, none elsewhere). On the Intel
// host, one thread, llama-3.2-1b's shape at 4096 positions from DRAM (engine_bench attention_dram):
// f16 8.7 -> 11.2 GB/s (2 KiB: 11.4, 4 KiB: 10.6), Q8_0 4.8 -> 7.0.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

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

// Asks for the line `ahead` bytes past p into L1; nothing when ahead is 0. Past the end of the cache
// this touches nothing: a prefetch never faults, and the address is formed as an integer.
inline void ask_ahead(const void* p, std::size_t ahead) {
  if (ahead) __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + ahead), 0, 3);
}
template <typename V>
struct GroupAttention {
  using Reg = typename V::Reg;
  static constexpr int L = V::kLanes;
  static constexpr int kTileRegs = kKvTile / L;  // registers per 16 positions

  // acc[g][l] += the dot of q's hd dimensions (head g at q + g hd) with the 16 positions' values
  // of those dimensions, one row of 16 per dimension at rows + d * 16. With few accumulators the
  // fused multiply-adds' latency is the limit, so even and odd dimensions then sum apart (AVX-512,
  // GQA 4, one thread, in cache: 19.2 -> 21.7 GB/s of f16 K and V).
  template <int GN, typename T>
  static void dot_rows(const float* q, std::int64_t hd, const T* rows, std::size_t ahead,
                       Reg (&acc)[GN][kTileRegs]) {
    constexpr int kSets = GN * kTileRegs <= 4 ? 2 : 1;
    Reg part[kSets][GN][kTileRegs];
    for (auto& set : part) for (auto& head : set) for (Reg& r : head) r = V::zero();
    std::int64_t d = 0;
    const auto step = [&](int set) {
      if ((d * kKvTile * sizeof(T)) % 64 == 0) ask_ahead(rows + d * kKvTile, ahead);
      Reg k[kTileRegs];
      for (int l = 0; l < kTileRegs; ++l) k[l] = V::load(rows + d * kKvTile + l * L);
      for (int g = 0; g < GN; ++g) {
        const Reg qd = V::set1(q[g * hd + d]);
        for (int l = 0; l < kTileRegs; ++l) part[set][g][l] = V::fmadd(qd, k[l], part[set][g][l]);
      }
      ++d;
    };
    for (; d + kSets <= hd;) {
      step(0);
      if constexpr (kSets == 2) step(1);
    }
    for (; d < hd;) step(0);
    for (int g = 0; g < GN; ++g) {
      for (int l = 0; l < kTileRegs; ++l) {
        acc[g][l] = V::add(acc[g][l], part[0][g][l]);
        if constexpr (kSets == 2) acc[g][l] = V::add(acc[g][l], part[1][g][l]);
      }
    }
  }

  // Scores of GN heads for every position, scaled: K tile rows are loaded once for all heads.
  template <int GN, typename T>
  static void scores(const float* q, std::int64_t hd, const T* k_tiles, std::int64_t n_tiles, float scale,
                     std::int64_t stride, std::size_t ahead, float* s) {
    for (std::int64_t t = 0; t < n_tiles; ++t) {
      Reg acc[GN][kTileRegs];
      for (auto& head : acc) for (Reg& r : head) r = V::zero();
      dot_rows<GN>(q, hd, k_tiles + t * hd * kKvTile, ahead, acc);
      store_scores<GN>(acc, scale, stride, t, s);
    }
  }
  // A Q8_0 cache: each query head rounded to Q8 steps per block as round_query_q8 does; per block
  // tile, the integer dot of its quants with the 16 positions' (int8_block_dots with an int8 dot
  // instruction, float_block_dots without), times the positions' scales and the head's step.
  template <int GN>
  static void scores(const float* q, std::int64_t hd, const std::byte* k_tiles, std::int64_t n_tiles, float scale,
                     std::int64_t stride, std::size_t ahead, float* s) {
    QueryQ8 query[GN];
    for (int g = 0; g < GN; ++g) round_query_q8(q + g * hd, hd, query[g]);
    [[maybe_unused]] std::conditional_t<V::kInt8Dot, char, float[GN][kQ8MaxHeadDim]> as_floats;
    if constexpr (!V::kInt8Dot) {
      for (int g = 0; g < GN; ++g) for (std::int64_t d = 0; d < hd; ++d) as_floats[g][d] = query[g].quants[d];
    }
    const std::int64_t blocks = hd / 32;
    for (std::int64_t t = 0; t < n_tiles; ++t) {
      Reg acc[GN][kTileRegs];
      for (auto& head : acc) for (Reg& r : head) r = V::zero();
      for (std::int64_t b = 0; b < blocks; ++b) {
        const std::byte* blk = k_tiles + static_cast<std::size_t>(t * blocks + b) * kQ8BlockTileBytes;
        Reg dot[GN][kTileRegs];
        if constexpr (V::kInt8Dot) {
          int8_block_dots<GN>(query, b, blk + kQ8ScaleBytes, ahead, dot);
        } else {
          float_block_dots<GN>(as_floats, b, blk + kQ8ScaleBytes, ahead, dot);
        }
        for (int l = 0; l < kTileRegs; ++l) {
          const Reg d = V::load(reinterpret_cast<const std::uint16_t*>(blk) + l * L);
          for (int g = 0; g < GN; ++g) acc[g][l] = V::fmadd(V::mul(dot[g][l], d), V::set1(query[g].step[b]), acc[g][l]);
        }
      }
      store_scores<GN>(acc, scale, stride, t, s);
    }
  }
  // dot[g][l]: the dot of head g's quants of block b with those of the positions in register l,
  // from the block tile's 8 groups of 4 dimensions. With an int8 dot instruction a register of a
  // group is 4 bytes of each of its positions, summed in one instruction per head. VNNI takes K's
  // quants as unsigned, so they are read biased by 128 and the lanes start 128 times the head's
  // quant sum below 0; NEON's sdot takes both signed.
  template <int GN>
  static void int8_block_dots(const QueryQ8 (&query)[GN], std::int64_t b, const std::byte* groups, std::size_t ahead,
                              Reg (&dot)[GN][kTileRegs]) {
    typename V::IReg sums[GN][kTileRegs];
    for (int g = 0; g < GN; ++g) for (auto& r : sums[g]) r = V::dot_start(query[g].sum[b]);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      const std::byte* group = groups + j * kQ8GroupBytes;
      ask_ahead(group, ahead);
      for (int l = 0; l < kTileRegs; ++l) {
        const typename V::IReg k = V::dot_quads(group + l * 4 * L);
        for (int g = 0; g < GN; ++g) {
          std::int32_t four;
          std::memcpy(&four, query[g].quants + b * 32 + j * 4, 4);
          sums[g][l] = V::dot4(sums[g][l], k, four);
        }
      }
    }
    for (int g = 0; g < GN; ++g) for (int l = 0; l < kTileRegs; ++l) dot[g][l] = V::to_float(sums[g][l]);
  }
  // Without one, each position's 4 bytes of a group are widened one dimension at a time and
  // multiplied by the head's quant as a float; the sums are integers below 2^24, so exact too.
  template <int GN>
  static void float_block_dots(const float (&quants)[GN][kQ8MaxHeadDim], std::int64_t b, const std::byte* groups,
                               std::size_t ahead, Reg (&dot)[GN][kTileRegs]) {
    for (auto& head : dot) for (Reg& r : head) r = V::zero();
    for (int j = 0; j < 8; ++j) {
      const std::byte* group = groups + j * kQ8GroupBytes;
      ask_ahead(group, ahead);
      for (int l = 0; l < kTileRegs; ++l) {
        const typename V::IReg raw = V::load_quads(group + l * 4 * L);
        const auto add = [&](int r, Reg k) {
          for (int g = 0; g < GN; ++g) dot[g][l] = V::fmadd(V::set1(quants[g][b * 32 + j * 4 + r]), k, dot[g][l]);
        };
        add(0, V::template quad_byte<0>(raw));
        add(1, V::template quad_byte<1>(raw));
        add(2, V::template quad_byte<2>(raw));
        add(3, V::template quad_byte<3>(raw));
      }
    }
  }
  template <int GN>
  static void store_scores(const Reg (&acc)[GN][kTileRegs], float scale, std::int64_t stride, std::int64_t t, float* s) {
    for (int g = 0; g < GN; ++g) {
      for (int l = 0; l < kTileRegs; ++l) V::store(s + g * stride + t * kKvTile + l * L, V::mul(acc[g][l], V::set1(scale)));
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
  // accumulators stay in registers while the positions stream by. row(p, dim) is V's register of
  // position p at dimension dim; weighted_values gives it per cache type. With many query heads per
  // KV head the sum takes hd in several passes (GQA 8 of 128 dimensions: 4), each reading its own
  // part of every row. When ahead is not 0 (the cache comes from DRAM), each pass asks for its part
  // kValueAhead rows on: a row goes by at the pace of GN x CR multiply-adds, so K's distance in bytes
  // is too short a time for it. On the Zen 5 host, one thread, 4096 f16 positions from DRAM
  // (engine_bench attention_dram), GB/s of K and V: GQA 8 of 128 dimensions 13 -> 17-19, GQA 7 of 64
  // 19 -> 23, GQA 4 of 64 27 -> 29-30. Before, the first pass asked for whole rows 2 KiB on and
  // outran the memory, and the others read V again from L3; asking further ahead that way gained
  // nothing, and blocks of rows kept in L1 across the passes gained nothing over this. From cache the
  // asking costs up to a fifth, so the engine asks only where the cache comes from DRAM.
  template <int GN, int CR, typename Row>
  static void weigh_rows(const float* s, std::int64_t stride, std::int64_t n_pos, std::int64_t hd, float* out,
                         const void* rows, std::size_t row_bytes, std::size_t ahead, Row&& row) {
    const std::int64_t passes = (hd + CR * L - 1) / (CR * L);
    const ValueRows v{rows, row_bytes, kValueAhead * row_bytes};
    // No asking past the last row (at a short context, a prompt's first tokens, it would all be).
    const std::int64_t asked = ahead ? std::max<std::int64_t>(n_pos - kValueAhead, 0) : 0;
    for (std::int64_t pass = 0; pass < passes; ++pass) {
      weigh_pass<GN, CR, true>(s, stride, 0, asked, pass, passes, hd, out, v, row);
      weigh_pass<GN, CR, false>(s, stride, asked, n_pos, pass, passes, hd, out, v, row);
    }
  }
  struct ValueRows {
    const void* rows;
    std::size_t row_bytes, ahead;
  };
  // out's dimensions of pass `pass` (of `passes`) += positions [p0, p1), out's prior sums taken up
  // unless p0 is 0; with kAsk, each row's part for the pass asked for v.ahead bytes on.
  template <int GN, int CR, bool kAsk, typename Row>
  static void weigh_pass(const float* s, std::int64_t stride, std::int64_t p0, std::int64_t p1, std::int64_t pass,
                         std::int64_t passes, std::int64_t hd, float* out, const ValueRows& v, Row& row) {
    const std::int64_t d0 = pass * CR * L;
    const std::size_t part_bytes = (v.row_bytes + passes - 1) / passes, part = pass * part_bytes;
    const std::size_t part_end = std::min(part + part_bytes, v.row_bytes);
    Reg acc[GN][CR];
    for (int g = 0; g < GN; ++g) {
      for (int c = 0; c < CR; ++c) acc[g][c] = p0 == 0 ? V::zero() : V::load(out + g * hd + d0 + c * L);
    }
    for (std::int64_t p = p0; p < p1; ++p) {
      if constexpr (kAsk) {
        const auto at = reinterpret_cast<std::uintptr_t>(v.rows) + static_cast<std::size_t>(p) * v.row_bytes;
        for (std::uintptr_t line = (at + part) & ~std::uintptr_t{63}; line < at + part_end; line += 64) {
          ask_ahead(reinterpret_cast<const void*>(line), v.ahead);
        }
      }
      Reg x[CR];
      for (int c = 0; c < CR; ++c) x[c] = row(p, d0 + c * L);
      for (int g = 0; g < GN; ++g) {
        const Reg w = V::set1(s[g * stride + p]);
        for (int c = 0; c < CR; ++c) acc[g][c] = V::fmadd(w, x[c], acc[g][c]);
      }
    }
    for (int g = 0; g < GN; ++g) {
      for (int c = 0; c < CR; ++c) V::store(out + g * hd + d0 + c * L, acc[g][c]);
    }
  }
  static constexpr std::int64_t kValueAhead = 64;
  template <int GN, int CR, typename T>
  static void weighted_values(const float* s, std::int64_t stride, const T* v_rows, std::int64_t n_pos,
                              std::int64_t hd, std::size_t ahead, float* out) {
    weigh_rows<GN, CR>(s, stride, n_pos, hd, out, v_rows, static_cast<std::size_t>(hd) * sizeof(T), ahead,
                       [&](std::int64_t p, std::int64_t dim) { return V::load(v_rows + p * hd + dim); });
  }
  // A Q8_0 cache: each register of quants times its block's scale (a register lies in one block).
  template <int GN, int CR>
  static void weighted_values(const float* s, std::int64_t stride, const std::byte* v_rows, std::int64_t n_pos,
                              std::int64_t hd, std::size_t ahead, float* out) {
    const std::int64_t row_blocks = hd / 32;
    const auto* blocks = reinterpret_cast<const quant::BlockQ8_0*>(v_rows);
    weigh_rows<GN, CR>(s, stride, n_pos, hd, out, v_rows, static_cast<std::size_t>(row_blocks) * sizeof(quant::BlockQ8_0),
                       ahead, [&](std::int64_t p, std::int64_t dim) {
                         const quant::BlockQ8_0& blk = blocks[p * row_blocks + dim / 32];
                         return V::mul(V::load(blk.qs + dim % 32), V::set1_f16(blk.d));
                       });
  }

  // As many dimensions per pass as the registers left after GN x CR accumulators allow.
  template <int GN>
  static constexpr int chunk_registers() {
    const int free = (V::kRegisters - 4) / GN;
    return free >= 4 ? 4 : free >= 2 ? 2 : 1;
  }

  template <int GN, typename T>
  static void group(const float* q, std::int64_t hd, KvPlanes<T> kv, std::int64_t n_pos, float* out, float* scratch,
                    std::size_t ahead) {
    const std::int64_t n_tiles = (n_pos + kKvTile - 1) / kKvTile, stride = n_tiles * kKvTile;
    scores<GN>(q, hd, kv.k_tiles, n_tiles, 1.0f / std::sqrt(static_cast<float>(hd)), stride, ahead, scratch);
    for (int g = 0; g < GN; ++g) softmax(scratch + g * stride, n_pos);
    weighted_values<GN, chunk_registers<GN>()>(scratch, stride, kv.v_rows, n_pos, hd, ahead, out);
  }

  // Heads in groups of up to 8 (GQA ratios run from 1 to 8 in practice).
  template <typename T>
  static void attend(const float* q, std::int64_t gqa, std::int64_t hd, KvPlanes<T> kv, std::int64_t n_pos,
                     float* out, float* scratch, std::size_t ahead) {
    if (hd % (4 * L) != 0) {
      if constexpr (std::is_same_v<T, std::byte>) {
        return attend_generic_q8(q, gqa, hd, kv, n_pos, out, scratch, ahead);
      } else {
        return attend_generic(q, gqa, hd, kv, n_pos, out, scratch, ahead);
      }
    }
    const std::int64_t stride = (n_pos + kKvTile - 1) / kKvTile * kKvTile;
    for (std::int64_t g0 = 0; g0 < gqa; g0 += 8) {
      const float* qg = q + g0 * hd;
      float* og = out + g0 * hd;
      float* sg = scratch + g0 * stride;
      switch (std::min<std::int64_t>(8, gqa - g0)) {
        case 1: group<1>(qg, hd, kv, n_pos, og, sg, ahead); break;
        case 2: group<2>(qg, hd, kv, n_pos, og, sg, ahead); break;
        case 3: group<3>(qg, hd, kv, n_pos, og, sg, ahead); break;
        case 4: group<4>(qg, hd, kv, n_pos, og, sg, ahead); break;
        case 5: group<5>(qg, hd, kv, n_pos, og, sg, ahead); break;
        case 6: group<6>(qg, hd, kv, n_pos, og, sg, ahead); break;
        case 7: group<7>(qg, hd, kv, n_pos, og, sg, ahead); break;
        default: group<8>(qg, hd, kv, n_pos, og, sg, ahead); break;
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

// The kernel table of policy V, named `isa`.
template <typename V>
constexpr AttentionKernels kernel_table(std::string_view isa) {
  return {isa,
          GroupAttention<V>::template attend<std::uint16_t>,
          GroupAttention<V>::template attend<float>,
          GroupAttention<V>::template attend<std::byte>,
          silu_mul<V>,
          to_f16<V>};
}

}  // namespace
}  // namespace memwall::engine::detail
