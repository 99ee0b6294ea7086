#include "memwall/model/random_weights.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "memwall/quant/reference.hpp"

namespace memwall::model {
namespace {

using quant::TensorType;

std::vector<std::byte> generate(TensorType type, std::uint64_t n, WeightDistribution dist, unsigned threads) {
  std::vector<std::byte> bytes(quant::bytes_for(type, n));
  EXPECT_TRUE(generate_weights(type, n, dist, 7, 3, 0, bytes, threads).ok());
  return bytes;
}

std::vector<float> dequantize(TensorType type, const std::vector<std::byte>& bytes, std::uint64_t n) {
  std::vector<float> values(n);
  quant::reference_fns(type)->dequantize_row(bytes.data(), values.data(), static_cast<std::int64_t>(n));
  return values;
}

const TensorType kWeightTypes[] = {TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q8_0,
                                   TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1,
                                   TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K, TensorType::Q5_K,
                                   TensorType::Q6_K};

// Values must come out finite, centred, with roughly the spread asked for, for every type.
TEST(RandomWeights, EveryTypeHasTheRequestedSpread) {
  constexpr std::uint64_t n = 256 * 1024;
  constexpr double sigma = 0.05;
  for (TensorType type : kWeightTypes) {
    const std::vector<float> v = dequantize(type, generate(type, n, {0.0, sigma}, 2), n);
    double sum = 0, sum_sq = 0;
    for (float x : v) {
      ASSERT_TRUE(std::isfinite(x)) << quant::type_info(type).name;
      sum += x;
      sum_sq += static_cast<double>(x) * x;
    }
    const double mean = sum / n, sd = std::sqrt(sum_sq / n - mean * mean);
    EXPECT_NEAR(mean, 0.0, 0.1 * sigma) << quant::type_info(type).name;
    EXPECT_NEAR(sd, sigma, 0.15 * sigma) << quant::type_info(type).name;
  }
}

TEST(RandomWeights, PlainTypesTakeAMean) {
  const std::vector<float> v = dequantize(TensorType::F32, generate(TensorType::F32, 4096, {1.0, 0.02}, 1), 4096);
  double sum = 0;
  for (float x : v) sum += x;
  EXPECT_NEAR(sum / 4096, 1.0, 0.005);
  std::vector<std::byte> out(quant::bytes_for(TensorType::Q4_0, 32));
  EXPECT_FALSE(generate_weights(TensorType::Q4_0, 32, {1.0, 0.02}, 1, 1, 0, out, 1).ok());
}

// The bytes depend on the seed and the tensor only: not on threads or on how the range is cut.
TEST(RandomWeights, DeterministicWhateverTheChunkingAndThreads) {
  constexpr std::uint64_t n = 256 * kBlocksPerSegment * 3 + 256 * 17;
  for (TensorType type : {TensorType::Q4_K, TensorType::Q6_K, TensorType::F16, TensorType::Q8_0}) {
    const std::vector<std::byte> whole = generate(type, n, {0.0, 0.02}, 1);
    EXPECT_EQ(generate(type, n, {0.0, 0.02}, 3), whole);
    std::vector<std::byte> pieces(whole.size());
    for (std::uint64_t offset = 0; offset < pieces.size();) {
      const std::uint64_t size = std::min<std::uint64_t>(1'000'003, pieces.size() - offset);
      ASSERT_TRUE(generate_weights(type, n, {0.0, 0.02}, 7, 3, offset,
                                   std::span(pieces).subspan(offset, size), 2).ok());
      offset += size;
    }
    EXPECT_EQ(pieces, whole) << quant::type_info(type).name;
    std::vector<std::byte> other(whole.size());
    ASSERT_TRUE(generate_weights(type, n, {0.0, 0.02}, 8, 3, 0, other, 2).ok());
    EXPECT_NE(other, whole) << "another seed gives other weights";
  }
}

TEST(RandomWeights, RangePastTheEndIsAnError) {
  std::vector<std::byte> out(100);
  EXPECT_FALSE(generate_weights(TensorType::Q4_0, 32, {0, 1}, 1, 1, 0, out, 1).ok());
}

}  // namespace
}  // namespace memwall::model
