// The vector attention (f16, f32 and Q8_0 caches), SiLU and f16 conversion of every instruction set
// this CPU runs, against the portable ones.
#include "memwall/engine/attention.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <type_traits>
#include <vector>

#include "memwall/engine/engine.hpp"
#include "memwall/engine/ops.hpp"
#include "memwall/quant/blocks.hpp"
#include "memwall/quant/half.hpp"
#include "memwall/quant/reference.hpp"

namespace memwall::engine {
namespace {

// The kernels ask for K and V this far ahead; the tests' caches end within it, which must not matter.
constexpr std::size_t kAhead = 1024;

std::vector<float> uniform(std::size_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// Largest |got - want| relative to max(|want|, floor).
float worst_relative(const std::vector<float>& got, const std::vector<float>& want, float floor) {
  float worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] - want[i]) / std::max(std::abs(want[i]), floor));
  }
  return worst;
}

TEST(SiluMul, EveryIsaMatchesTheScalarOnOddLengthsAndLargeInputs) {
  std::mt19937 rng(7);
  for (const AttentionKernels* table : runnable_attention_kernels()) {
    const AttentionKernels& k = *table;
    for (std::int64_t n : {1, 7, 16, 33, 8191}) {
      for (float range : {4.0f, 120.0f}) {  // the second reaches past e^88 on both sides
        const auto n_values = static_cast<std::size_t>(n);
        const std::vector<float> gate = uniform(n_values, -range, range, rng), up = uniform(n_values, -2, 2, rng);
        std::vector<float> want(n_values), got(n_values);
        silu_mul(gate.data(), up.data(), n, want.data());
        k.silu_mul(gate.data(), up.data(), n, got.data());
        EXPECT_LT(worst_relative(got, want, 1e-30f), 1e-5f) << k.isa << " n=" << n << " range=" << range;
        std::vector<float> in_place = gate;  // out may be gate
        k.silu_mul(in_place.data(), up.data(), n, in_place.data());
        EXPECT_EQ(in_place, got) << k.isa;
      }
    }
  }
}

TEST(ToF16, EveryIsaGivesTheScalarConversionsBits) {
  std::mt19937 rng(9);
  for (const AttentionKernels* table : runnable_attention_kernels()) {
    const AttentionKernels& k = *table;
    for (std::int64_t n : {1, 15, 16, 17, 64, 131}) {
      std::vector<float> x = uniform(static_cast<std::size_t>(n), -70000.0f, 70000.0f, rng);
      // Halfway cases, subnormals, the edges of the range and beyond it.
      const float special[] = {0.0f, -0.0f, 1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 0x1p-20f, -0x1p-24f,
                               0x1p-25f, 65504.0f, 65520.0f, -1e30f, INFINITY, -INFINITY};
      for (std::size_t i = 0; i < std::size(special) && i < x.size(); ++i) {
        x[i * x.size() / std::size(special)] = special[i];
      }
      std::vector<std::uint16_t> want(x.size()), got(x.size());
      to_f16(x.data(), n, want.data());
      k.to_f16(x.data(), n, got.data());
      EXPECT_EQ(got, want) << k.isa << " n=" << n;
    }
  }
}

// K as tiles of 16 positions (element d * 16 + p % 16 of tile p / 16), V as rows, in T.
template <typename T>
struct Planes {
  std::vector<T> k_tiles, v_rows;
  KvPlanes<T> view() const { return {k_tiles.data(), v_rows.data()}; }
};

template <typename T>
T narrow(float x) {
  if constexpr (std::is_same_v<T, float>) {
    return x;
  } else {
    return quant::f32_to_f16(x);
  }
}

template <typename T>
Planes<T> random_planes(std::int64_t n_pos, std::int64_t hd, std::mt19937& rng) {
  const std::int64_t tiles = (n_pos + kKvTile - 1) / kKvTile;
  Planes<T> p;
  p.k_tiles.resize(static_cast<std::size_t>(tiles * kKvTile * hd), narrow<T>(0));
  p.v_rows.resize(static_cast<std::size_t>(n_pos * hd));
  std::uniform_real_distribution<float> u(-1, 1);
  for (std::int64_t pos = 0; pos < n_pos; ++pos) {
    for (std::int64_t d = 0; d < hd; ++d) {
      p.k_tiles[static_cast<std::size_t>((pos / kKvTile) * hd * kKvTile + d * kKvTile + pos % kKvTile)] = narrow<T>(u(rng));
      p.v_rows[static_cast<std::size_t>(pos * hd + d)] = narrow<T>(u(rng));
    }
  }
  return p;
}

template <typename T>
void expect_attention_matches(AttendFn<T> (*pick)(const AttentionKernels&)) {
  std::mt19937 rng(11);
  const AttentionKernels& generic = attention_kernels(quant::KernelIsa::generic);
  for (const AttentionKernels* table : runnable_attention_kernels()) {
    const AttentionKernels& k = *table;
    // GQA 8 takes V's dimensions in several passes; asking ahead, each pass asks for its part of
    // the rows but the last 64 (at 300 positions: the first 236, at 17: none).
    for (std::int64_t hd : {64, 128}) {
      for (std::int64_t gqa : {1, 3, 8}) {
        for (std::int64_t n_pos : {1, 17, 300}) {
          const Planes<T> kv = random_planes<T>(n_pos, hd, rng);
          const std::vector<float> q = uniform(static_cast<std::size_t>(gqa * hd), -2, 2, rng);
          const auto out_size = static_cast<std::size_t>(gqa * hd);
          std::vector<float> want(out_size);
          std::vector<float> scratch(static_cast<std::size_t>(gqa * (n_pos + kKvTile)));
          pick(generic)(q.data(), gqa, hd, kv.view(), n_pos, want.data(), scratch.data(), kAhead);
          for (std::size_t ahead : {std::size_t{0}, kAhead}) {
            std::vector<float> got(out_size);
            pick(k)(q.data(), gqa, hd, kv.view(), n_pos, got.data(), scratch.data(), ahead);
            // An output is a weighted mean of values in [-1, 1]; near 0 it is a cancellation, whose
            // rounding (1e-7 seen with NEON's 4 lanes against the portable sum) is measured against 1e-2.
            EXPECT_LT(worst_relative(got, want, 1e-2f), 1e-4f)
                << k.isa << " hd=" << hd << " gqa=" << gqa << " n_pos=" << n_pos << " ahead=" << ahead;
          }
        }
      }
    }
  }
}

TEST(Attention, EveryIsaMatchesThePortableOneOnF16AndF32Caches) {
  expect_attention_matches<std::uint16_t>([](const AttentionKernels& k) { return k.attend_f16; });
  expect_attention_matches<float>([](const AttentionKernels& k) { return k.attend_f32; });
}

// A Q8_0 cache of one layer and one KV head holding n_pos random positions, and the same positions
// as the f32 values its quants stand for (each row quantized and dequantized by the reference).
struct Q8Case {
  KvCache cache;
  Planes<float> dequantized;
};
Q8Case random_q8_cache(std::int64_t n_pos, std::int64_t hd, std::mt19937& rng) {
  model::ModelSpec spec;
  spec.n_layers = 1;
  spec.n_head = spec.n_head_kv = 1;
  spec.head_dim = hd;
  Q8Case c{KvCache::create(spec, KvType::q8_0, n_pos).value(), random_planes<float>(0, hd, rng)};
  c.dequantized.k_tiles.assign(static_cast<std::size_t>(c.cache.capacity() * hd), 0.0f);
  const auto& q8 = *quant::reference_fns(quant::TensorType::Q8_0);
  const AttentionShape shape{1, 1, hd};
  for (std::int64_t pos = 0; pos < n_pos; ++pos) {
    const std::vector<float> k = uniform(static_cast<std::size_t>(hd), -1, 1, rng), v = uniform(static_cast<std::size_t>(hd), -1, 1, rng);
    store_kv(attention_kernels(quant::KernelIsa::generic), c.cache, 0, pos, shape, k.data(), v.data());
    std::vector<quant::BlockQ8_0> blocks(static_cast<std::size_t>(hd / 32));
    std::vector<float> back(static_cast<std::size_t>(hd));
    q8.quantize_row(k.data(), blocks.data(), hd);
    q8.dequantize_row(blocks.data(), back.data(), hd);
    for (std::int64_t d = 0; d < hd; ++d) {
      c.dequantized.k_tiles[static_cast<std::size_t>((pos / kKvTile) * hd * kKvTile + d * kKvTile + pos % kKvTile)] = back[static_cast<std::size_t>(d)];
    }
    q8.quantize_row(v.data(), blocks.data(), hd);
    q8.dequantize_row(blocks.data(), back.data(), hd);
    c.dequantized.v_rows.insert(c.dequantized.v_rows.end(), back.begin(), back.end());
  }
  return c;
}

// Each query head's blocks of 32 rounded to 255 steps of their largest magnitude / 127, as K's
// quants are read against the query.
std::vector<float> rounded_to_q8_steps(std::vector<float> q) {
  for (std::size_t b = 0; b < q.size(); b += 32) {
    float amax = 0;
    for (std::size_t j = b; j < b + 32; ++j) amax = std::max(amax, std::abs(q[j]));
    for (std::size_t j = b; j < b + 32; ++j) q[j] = amax > 0 ? std::nearbyint(q[j] * (127.0f / amax)) * (amax / 127.0f) : 0.0f;
  }
  return q;
}

// The portable Q8_0 attention reads the cache store_kv writes as the values its quants stand for,
// against the query rounded to Q8 steps, and every ISA's agrees with it.
TEST(Attention, Q8CacheIsTheDequantizedValuesOnEveryIsa) {
  std::mt19937 rng(13);
  const AttentionKernels& generic = attention_kernels(quant::KernelIsa::generic);
  for (std::int64_t hd : {32, 64, 128}) {
    for (std::int64_t n_pos : {1, 17, 300}) {
      Q8Case c = random_q8_cache(n_pos, hd, rng);
      const KvPlanes<std::byte> planes{c.cache.k_tile(0, 0, 0), c.cache.v_row(0, 0, 0)};
      for (std::int64_t gqa : {1, 3, 8}) {
        const std::vector<float> q = uniform(static_cast<std::size_t>(gqa * hd), -2, 2, rng);
        const auto out_size = static_cast<std::size_t>(gqa * hd);
        std::vector<float> want(out_size), got(out_size);
        std::vector<float> scratch(static_cast<std::size_t>(gqa * (n_pos + kKvTile)));
        generic.attend_f32(rounded_to_q8_steps(q).data(), gqa, hd, c.dequantized.view(), n_pos, want.data(), scratch.data(), kAhead);
        generic.attend_q8(q.data(), gqa, hd, planes, n_pos, got.data(), scratch.data(), kAhead);
        EXPECT_LT(worst_relative(got, want, 1e-3f), 1e-4f) << "generic hd=" << hd << " gqa=" << gqa << " n_pos=" << n_pos;
        for (const AttentionKernels* table : runnable_attention_kernels()) {
          const AttentionKernels& k = *table;
          std::vector<float> simd(out_size);
          k.attend_q8(q.data(), gqa, hd, planes, n_pos, simd.data(), scratch.data(), kAhead);
          EXPECT_LT(worst_relative(simd, got, 1e-3f), 1e-4f) << k.isa << " hd=" << hd << " gqa=" << gqa << " n_pos=" << n_pos;
        }
      }
    }
  }
}

// A cache from DRAM is asked ahead as far as f16 weights are decoded, a Q8_0 cache as an f16 one
// (on Zen 5 Q8_0 weights are not asked at all); Zen 4 asks for neither.
TEST(Attention, AQ8CacheIsAskedAheadAsFarAsAnF16One) {
  const quant::KernelCpu zen5{.avx2 = true, .avx512bw = true, .avx512vnni = true, .amd_family = 0x1A};
  const quant::KernelCpu zen4{.avx2 = true, .avx512bw = true, .avx512vnni = true, .amd_family = 0x19};
  const quant::KernelCpu intel{.avx2 = true, .intel = true};
  for (const quant::KernelCpu& cpu : {zen5, zen4, intel}) {
    const std::size_t f16 = quant::decode_prefetch_bytes(cpu, quant::TensorType::F16, 1);
    EXPECT_EQ(kv_prefetch_bytes(cpu, KvType::f16), f16);
    EXPECT_EQ(kv_prefetch_bytes(cpu, KvType::q8_0), f16);
  }
  EXPECT_GT(kv_prefetch_bytes(zen5, KvType::q8_0), 0u);
  EXPECT_EQ(quant::decode_prefetch_bytes(zen5, quant::TensorType::Q8_0, 1), 0u);
  EXPECT_EQ(kv_prefetch_bytes(zen4, KvType::q8_0), 0u);
}

}  // namespace
}  // namespace memwall::engine
