#include "memwall/quant/half.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "f16c_oracle.hpp"
#include "memwall/hw/cpu.hpp"
#include "test_data.hpp"

namespace memwall::quant {
namespace {

using testing::TestRng;

std::uint32_t bits_of(float x) { return std::bit_cast<std::uint32_t>(x); }
bool is_f16_nan(std::uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0; }

// binary16 by its definition: (-1)^s * 2^(e - 15) * (1 + m / 1024), or m * 2^-24 when e = 0.
double f16_by_definition(std::uint16_t h) {
  const int e = (h >> 10) & 31, m = h & 1023;
  const double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (e == 31) return sign * std::numeric_limits<double>::infinity();
  if (e == 0) return sign * std::ldexp(m, -24);
  return sign * std::ldexp(1024 + m, e - 25);
}

bool cpu_has_f16c() { return testing::f16c_oracle_built() && hw::detect_cpu().isa.f16c; }

TEST(Half, EveryF16DecodesToItsDefinition) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto h16 = static_cast<std::uint16_t>(h);
    const float x = f16_to_f32(h16);
    if (is_f16_nan(h16)) {
      EXPECT_TRUE(std::isnan(x)) << std::hex << h;
      EXPECT_EQ(std::signbit(x), (h & 0x8000) != 0) << std::hex << h;
    } else {
      // Both zeros decode with their sign.
      EXPECT_EQ(static_cast<double>(x), f16_by_definition(h16)) << std::hex << h;
      EXPECT_EQ(std::signbit(x), (h & 0x8000) != 0) << std::hex << h;
    }
  }
}

TEST(Half, EveryF16RoundTripsThroughF32) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto h16 = static_cast<std::uint16_t>(h);
    const std::uint16_t back = f32_to_f16(f16_to_f32(h16));
    if (is_f16_nan(h16)) {
      // Any NaN comes back as the canonical quiet NaN, with its sign (ggml does the same).
      EXPECT_EQ(back, (h & 0x8000) | 0x7e00) << std::hex << h;
    } else {
      EXPECT_EQ(back, h16) << std::hex << h;
    }
  }
}

TEST(Half, RoundingAtTheEdgesOfTheRange) {
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);    // largest finite half
  EXPECT_EQ(f32_to_f16(65519.996f), 0x7bff);  // just below the halfway point
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);    // halfway: ties to even, which is inf
  EXPECT_EQ(f32_to_f16(-1e9f), 0xfc00);
  EXPECT_EQ(f32_to_f16(0x1p-24f), 0x0001);         // smallest subnormal
  EXPECT_EQ(f32_to_f16(0x1p-25f), 0x0000);         // halfway to it: ties to even 0
  EXPECT_EQ(f32_to_f16(0x1.000002p-25f), 0x0001);  // just above halfway
  EXPECT_EQ(f32_to_f16(0x1.8p-24f), 0x0002);       // 1.5 units: ties to even 2
  EXPECT_EQ(f32_to_f16(0x1.ffcp-15f), 0x0400);     // 1023.5 units: up into the smallest normal
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_f16(1.0f + 0x1p-11f), 0x3c00);    // tie between 1 and 1 + 2^-10: even
  EXPECT_EQ(f32_to_f16(1.0f + 0x1.8p-10f), 0x3c02);  // tie between odd and even: even
}

// Values around every rounding boundary of binary16, both signs, then random bit patterns.
std::vector<float> f16_stress_values() {
  std::vector<float> values;
  for (std::uint32_t h = 0; h < 0x7c00; ++h) {
    const double here = f16_by_definition(static_cast<std::uint16_t>(h));
    const double next =
        h + 1 == 0x7c00 ? 65536.0 : f16_by_definition(static_cast<std::uint16_t>(h + 1));
    const auto mid = static_cast<float>((here + next) / 2);  // exact in f32
    for (float v :
         {static_cast<float>(here), mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
      values.push_back(v);
      values.push_back(-v);
    }
  }
  for (float v :
       {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::max(),
        std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min(),
        std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::signaling_NaN()}) {
    values.push_back(v);
    values.push_back(-v);
  }
  TestRng rng(7);
  for (int i = 0; i < (1 << 22); ++i)
    values.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng.next())));
  return values;
}

TEST(Half, F32ToF16MatchesF16c) {
  if (!cpu_has_f16c()) GTEST_SKIP() << "this CPU (or build) has no F16C";
  std::size_t mismatches = 0;
  for (const float x : f16_stress_values()) {
    const std::uint16_t ours = f32_to_f16(x), theirs = testing::f16c_f32_to_f16(x);
    // NaN: F16C keeps the top payload bits, ggml (and memwall) the canonical quiet NaN.
    const bool same = std::isnan(x) ? is_f16_nan(ours) && is_f16_nan(theirs) &&
                                          (ours & 0x8000) == (theirs & 0x8000)
                                    : ours == theirs;
    if (!same && ++mismatches <= 10) {
      ADD_FAILURE() << std::hexfloat << x << " (0x" << std::hex << bits_of(x) << "): ours 0x"
                    << ours << ", F16C 0x" << theirs;
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

TEST(Half, F16ToF32MatchesF16c) {
  if (!cpu_has_f16c()) GTEST_SKIP() << "this CPU (or build) has no F16C";
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto h16 = static_cast<std::uint16_t>(h);
    // Both quiet a signalling NaN and keep the payload, so every pattern matches exactly.
    ASSERT_EQ(bits_of(f16_to_f32(h16)), bits_of(testing::f16c_f16_to_f32(h16))) << std::hex << h;
  }
}

// bfloat16 rounding by its definition: the nearer of the two neighbouring bf16 values, the even
// one on a tie (2^128 stands for the neighbour above the largest finite value).
std::uint16_t bf16_by_definition(float x) {
  const std::uint32_t bits = bits_of(x);
  if (std::isnan(x)) return static_cast<std::uint16_t>((bits >> 16) | 0x40);
  if (std::isinf(x)) return static_cast<std::uint16_t>(bits >> 16);
  const std::uint32_t below = bits & 0xffff0000u;
  const std::uint32_t above = below + 0x10000u;
  const double magnitude = std::fabs(static_cast<double>(x));
  const double low = std::fabs(static_cast<double>(std::bit_cast<float>(below)));
  const double high = (above & 0x7f800000u) == 0x7f800000u
                          ? std::ldexp(1.0, 128)
                          : std::fabs(static_cast<double>(std::bit_cast<float>(above)));
  const double to_low = magnitude - low, to_high = high - magnitude;
  const bool up = to_high < to_low || (to_high == to_low && ((below >> 16) & 1));
  return static_cast<std::uint16_t>((up ? above : below) >> 16);
}

TEST(Half, Bf16MatchesItsDefinition) {
  std::vector<float> values;
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const std::uint32_t b = h << 16;
    for (std::uint32_t low : {0x0000u, 0x7fffu, 0x8000u, 0x8001u, 0xffffu}) {
      values.push_back(std::bit_cast<float>(b | low));
    }
  }
  TestRng rng(11);
  for (int i = 0; i < (1 << 22); ++i)
    values.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng.next())));
  std::size_t mismatches = 0;
  for (const float x : values) {
    if (f32_to_bf16(x) != bf16_by_definition(x) && ++mismatches <= 10) {
      ADD_FAILURE() << "0x" << std::hex << bits_of(x) << ": ours 0x" << f32_to_bf16(x)
                    << ", expected 0x" << bf16_by_definition(x);
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

TEST(Half, EveryBf16RoundTrips) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto h16 = static_cast<std::uint16_t>(h);
    const float x = bf16_to_f32(h16);
    ASSERT_EQ(bits_of(x), h << 16);
    // A signalling NaN comes back quiet; everything else exactly.
    const bool signalling = (h & 0x7f80) == 0x7f80 && (h & 0x7f) != 0 && !(h & 0x40);
    EXPECT_EQ(f32_to_bf16(x), signalling ? (h | 0x40) : h) << std::hex << h;
  }
}

}  // namespace
}  // namespace memwall::quant
