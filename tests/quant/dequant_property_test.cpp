// Property tests: for random blocks (random bytes, with the scales kept finite), the library's
// dequantization equals, bit for bit, a straightforward formula for each weight written here
// from the format definitions; and the quantizers' side tables (Q8_K bsums, Q8_1 s) hold what
// the dot-product kernels will rely on.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "memwall/quant/blocks.hpp"
#include "memwall/quant/half.hpp"
#include "memwall/quant/reference.hpp"
#include "memwall/quant/types.hpp"
#include "test_data.hpp"

namespace memwall::quant {
namespace {

using T = TensorType;
using testing::TestRng;

// binary16 by its definition, independent of half.cpp (finite values only).
float half_value(const std::uint8_t* at) {
  const int h = at[0] | (at[1] << 8);
  const int e = (h >> 10) & 31, m = h & 1023;
  const float magnitude = e == 0 ? std::ldexp(static_cast<float>(m), -24)
                                 : std::ldexp(static_cast<float>(1024 + m), e - 25);
  return (h & 0x8000) ? -magnitude : magnitude;
}

float f32_at(const std::uint8_t* at) {
  float v;
  std::memcpy(&v, at, 4);
  return v;
}

int nibble(const std::uint8_t* qs, int i, int half) {  // i < half: low nibble of qs[i]
  return i < half ? qs[i] & 15 : qs[i - half] >> 4;
}

int bit(const std::uint8_t* bytes, int i) { return (bytes[i / 8] >> (i % 8)) & 1; }

// Weight i of one block, as the format defines it; the float operations in ggml's order.
float weight(T type, const std::uint8_t* b, int i) {
  switch (type) {
    case T::F32:
      return f32_at(b + 4 * i);
    case T::F16:
      return half_value(b + 2 * i);
    case T::BF16:
      return std::bit_cast<float>(static_cast<std::uint32_t>(b[2 * i] | (b[2 * i + 1] << 8)) << 16);
    case T::Q4_0:
      return static_cast<float>(nibble(b + 2, i, 16) - 8) * half_value(b);
    case T::Q4_1:
      return static_cast<float>(nibble(b + 4, i, 16)) * half_value(b) + half_value(b + 2);
    case T::Q5_0:
      return static_cast<float>(nibble(b + 6, i, 16) + 16 * bit(b + 2, i) - 16) * half_value(b);
    case T::Q5_1:
      return static_cast<float>(nibble(b + 8, i, 16) + 16 * bit(b + 4, i)) * half_value(b) +
             half_value(b + 2);
    case T::Q8_0:
      return static_cast<float>(static_cast<std::int8_t>(b[2 + i])) * half_value(b);
    case T::Q8_1:
      return static_cast<float>(static_cast<std::int8_t>(b[4 + i])) * half_value(b);
    case T::Q2_K: {
      const std::uint8_t sc = b[i / 16];
      const int q = (b[16 + 32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
      return (half_value(b + 80) * static_cast<float>(sc & 15)) * static_cast<float>(q) -
             half_value(b + 82) * static_cast<float>(sc >> 4);
    }
    case T::Q3_K: {
      const int s = i / 16;
      const int scale = (s < 8 ? b[96 + s] & 15 : b[96 + s - 8] >> 4) |
                        (((b[96 + 8 + s % 4] >> (2 * (s / 4))) & 3) << 4);
      const int low = (b[32 + 32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
      const int high = (b[i % 32] >> (i / 32)) & 1;
      return (half_value(b + 108) * static_cast<float>(scale - 32)) *
             static_cast<float>(low + 4 * high - 4);
    }
    case T::Q4_K:
    case T::Q5_K: {
      const int j = i / 32;
      const std::uint8_t* sc = b + 4;
      const int scale = j < 4 ? sc[j] & 63 : (sc[j + 4] & 15) | ((sc[j - 4] >> 6) << 4);
      const int min = j < 4 ? sc[j + 4] & 63 : (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
      const std::uint8_t* qs = b + (type == T::Q4_K ? 16 : 48);
      const std::uint8_t byte = qs[32 * (i / 64) + i % 32];
      int q = i % 64 < 32 ? byte & 15 : byte >> 4;
      if (type == T::Q5_K) q += 16 * ((b[16 + i % 32] >> j) & 1);
      return (half_value(b) * static_cast<float>(scale)) * static_cast<float>(q) -
             half_value(b + 2) * static_cast<float>(min);
    }
    case T::Q6_K: {
      const int h = i / 128, k = (i % 128) / 32, l = i % 32;
      const std::uint8_t ql = b[64 * h + 32 * (k % 2) + l];
      const int low = k < 2 ? ql & 15 : ql >> 4;
      const int high = (b[128 + 32 * h + l] >> (2 * k)) & 3;
      const auto scale = static_cast<std::int8_t>(b[192 + i / 16]);
      return (half_value(b + 208) * static_cast<float>(scale)) *
             static_cast<float>(low + 16 * high - 32);
    }
    case T::Q8_K:
      return f32_at(b) * static_cast<float>(static_cast<std::int8_t>(b[4 + i]));
    default:
      ADD_FAILURE() << "no formula for this type";
      return 0;
  }
}

// Byte offsets of each block's binary16 fields.
std::vector<int> half_fields(T type) {
  switch (type) {
    case T::F16:
    case T::Q4_0:
    case T::Q5_0:
    case T::Q8_0:
      return {0};
    case T::Q4_1:
    case T::Q5_1:
    case T::Q8_1:
    case T::Q4_K:
    case T::Q5_K:
      return {0, 2};
    case T::Q2_K:
      return {80, 82};
    case T::Q3_K:
      return {108};
    case T::Q6_K:
      return {208};
    default:
      return {};
  }
}

// Random bytes; the binary16 scales (and F16 values) made finite (exponent 31 turned into 15),
// Q8_K's f32 scale drawn from N(0, 0.01). F32 and BF16 keep every pattern, NaNs included: their
// formula moves bits and must move those too.
std::vector<std::uint8_t> random_blocks(T type, int n_blocks, std::uint64_t seed) {
  const TypeInfo& info = type_info(type);
  TestRng rng(seed);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(n_blocks) * info.bytes_per_block);
  for (std::uint8_t& v : bytes) v = static_cast<std::uint8_t>(rng.next());
  for (int k = 0; k < n_blocks; ++k) {
    std::uint8_t* block = bytes.data() + static_cast<std::size_t>(k) * info.bytes_per_block;
    for (int at : half_fields(type)) {
      if ((block[at + 1] & 0x7c) == 0x7c) block[at + 1] &= 0xbf;
    }
    if (type == T::Q8_K) {
      const float d = rng.normal() * 0.01f;
      std::memcpy(block, &d, 4);
    }
  }
  return bytes;
}

class DequantizeProperty : public ::testing::TestWithParam<T> {};

TEST_P(DequantizeProperty, RandomBlocksMatchTheFormula) {
  const T type = GetParam();
  const TypeInfo& info = type_info(type);
  const int n_blocks = info.block_size == 1 ? 4096 : 4096 / static_cast<int>(info.block_size) * 4;
  const auto bytes = random_blocks(type, n_blocks, 1000 + static_cast<std::uint64_t>(type));
  std::vector<float> y(static_cast<std::size_t>(n_blocks) * info.block_size);
  reference_fns(type)->dequantize_row(bytes.data(), y.data(), static_cast<std::int64_t>(y.size()));
  for (int k = 0; k < n_blocks; ++k) {
    const std::uint8_t* block = bytes.data() + static_cast<std::size_t>(k) * info.bytes_per_block;
    for (int i = 0; i < static_cast<int>(info.block_size); ++i) {
      const float expected = weight(type, block, i);
      const float got = y[static_cast<std::size_t>(k) * info.block_size + i];
      ASSERT_EQ(std::bit_cast<std::uint32_t>(got), std::bit_cast<std::uint32_t>(expected))
          << "block " << k << ", weight " << i << ": " << got << " vs " << expected;
    }
  }
}

// Quantize random data, dequantize: the formula reads the bytes the same way.
TEST_P(DequantizeProperty, QuantizedBlocksMatchTheFormula) {
  const T type = GetParam();
  const TypeInfo& info = type_info(type);
  const auto x = testing::outlier_data(4, 1024, 77);
  std::vector<std::uint8_t> q(bytes_for(type, x.size()));
  std::vector<float> y(x.size());
  reference_fns(type)->quantize_row(x.data(), q.data(), static_cast<std::int64_t>(x.size()));
  reference_fns(type)->dequantize_row(q.data(), y.data(), static_cast<std::int64_t>(x.size()));
  for (std::size_t e = 0; e < x.size(); ++e) {
    const std::uint8_t* block = q.data() + e / info.block_size * info.bytes_per_block;
    const float expected = weight(type, block, static_cast<int>(e % info.block_size));
    ASSERT_EQ(std::bit_cast<std::uint32_t>(y[e]), std::bit_cast<std::uint32_t>(expected))
        << "weight " << e;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, DequantizeProperty,
                         ::testing::Values(T::F32, T::F16, T::BF16, T::Q4_0, T::Q4_1, T::Q5_0,
                                           T::Q5_1, T::Q8_0, T::Q8_1, T::Q2_K, T::Q3_K, T::Q4_K,
                                           T::Q5_K, T::Q6_K, T::Q8_K),
                         [](const auto& param_info) {
                           return std::string(type_info(param_info.param).name);
                         });

TEST(QuantizeSideTables, Q8_KBsumsAreTheSumsOfEach16Quants) {
  const auto x = testing::outlier_data(8, 1024, 5);
  std::vector<BlockQ8_K> blocks(x.size() / kSuperBlockSize);
  reference_fns(T::Q8_K)->quantize_row(x.data(), blocks.data(),
                                       static_cast<std::int64_t>(x.size()));
  for (const BlockQ8_K& b : blocks) {
    for (int g = 0; g < kSuperBlockSize / 16; ++g) {
      int sum = 0;
      for (int i = 16 * g; i < 16 * g + 16; ++i) {
        EXPECT_GE(b.qs[i], -127);  // never -128: the integer kernels negate these
        sum += b.qs[i];
      }
      EXPECT_EQ(b.bsums[g], sum);
    }
  }
}

TEST(QuantizeSideTables, Q8_1SIsDTimesTheSumOfQuants) {
  const auto x = testing::normal_data(4, 1024, 6);
  std::vector<BlockQ8_1> blocks(x.size() / kBlockSize);
  reference_fns(T::Q8_1)->quantize_row(x.data(), blocks.data(),
                                       static_cast<std::int64_t>(x.size()));
  for (const BlockQ8_1& b : blocks) {
    int sum = 0;
    for (const std::int8_t q : b.qs) {
      EXPECT_GE(q, -127);
      sum += q;
    }
    EXPECT_EQ(b.s, f32_to_f16(f16_to_f32(b.d) * static_cast<float>(sum)));
  }
}

}  // namespace
}  // namespace memwall::quant
