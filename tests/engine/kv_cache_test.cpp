// The KV cache's layout arithmetic and its prefix copy, for every cache type.
#include "memwall/engine/kv_cache.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "memwall/engine/attention.hpp"
#include "memwall/quant/matmul.hpp"

namespace memwall::engine {
namespace {

model::ModelSpec small_spec() {
  model::ModelSpec spec;
  spec.n_layers = 3;
  spec.n_head = 4;
  spec.n_head_kv = 2;
  spec.head_dim = 64;
  return spec;
}

// Positions 0..n-1 of every layer and head: random K and V stored as a step stores them.
void fill(KvCache& cache, const model::ModelSpec& spec, std::int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> k(static_cast<std::size_t>(spec.kv_dim())), v(k.size());
  const AttentionShape shape{spec.n_head, spec.n_head_kv, spec.head_dim};
  for (std::int64_t layer = 0; layer < spec.n_layers; ++layer) {
    for (std::int64_t pos = 0; pos < n; ++pos) {
      for (float& x : k) x = u(rng);
      for (float& x : v) x = u(rng);
      store_kv(attention_kernels(quant::KernelIsa::generic), cache, layer, pos, shape, k.data(), v.data());
    }
  }
}

// A Q8_0 cache takes head dimensions in whole blocks of 32, up to the 512 its kernels round a query
// head into; anything else is refused, naming the dimension.
TEST(KvCache, AQ8CacheRefusesHeadDimensionsItsKernelsCannotTake) {
  model::ModelSpec spec = small_spec();
  for (std::int64_t hd : {48, 544}) {
    spec.head_dim = hd;
    const Result<KvCache> cache = KvCache::create(spec, KvType::q8_0, 16);
    ASSERT_FALSE(cache.ok()) << hd;
    EXPECT_NE(cache.error().message.find(std::to_string(hd)), std::string::npos) << cache.error().message;
    EXPECT_TRUE(KvCache::create(spec, KvType::f16, 16).ok()) << hd;
  }
  spec.head_dim = kQ8MaxHeadDim;
  EXPECT_TRUE(KvCache::create(spec, KvType::q8_0, 16).ok());
}

TEST(KvCache, CopyPrefixGivesTheFirstPositionsOfEveryLayerAndHead) {
  const model::ModelSpec spec = small_spec();
  std::mt19937 rng(5);
  for (KvType type : {KvType::f16, KvType::q8_0, KvType::f32}) {
    KvCache from = KvCache::create(spec, type, 48).value();
    fill(from, spec, 48, rng);
    constexpr std::int64_t kCopied = 37;  // not a whole number of tiles
    KvCache to = KvCache::create(spec, type, 70).value();
    to.copy_prefix(from, kCopied);
    const std::size_t row_bytes = (to.bytes() / (2 * spec.n_layers * spec.n_head_kv)) / to.capacity();
    for (std::int64_t layer = 0; layer < spec.n_layers; ++layer) {
      for (std::int64_t h = 0; h < spec.n_head_kv; ++h) {
        for (std::int64_t tile = 0; tile < (kCopied + kKvTile - 1) / kKvTile; ++tile) {
          EXPECT_EQ(std::memcmp(to.k_tile(layer, h, tile), from.k_tile(layer, h, tile), kKvTile * row_bytes), 0)
              << kv_type_name(type) << " layer " << layer << " head " << h << " tile " << tile;
        }
        EXPECT_EQ(std::memcmp(to.v_row(layer, h, 0), from.v_row(layer, h, 0), kCopied * row_bytes), 0)
            << kv_type_name(type) << " layer " << layer << " head " << h;
        // Nothing past the copied tiles: the rest of the new cache is still zero.
        const auto* after = reinterpret_cast<const unsigned char*>(to.v_row(layer, h, 48));
        EXPECT_EQ(std::count(after, after + (to.capacity() - 48) * row_bytes, 0u),
                  static_cast<std::ptrdiff_t>((to.capacity() - 48) * row_bytes));
      }
    }
  }
}

}  // namespace
}  // namespace memwall::engine
