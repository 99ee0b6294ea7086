// The elementwise operations of the forward pass that have no SIMD twin to be compared with.
#include "memwall/engine/ops.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace memwall::engine {
namespace {

// The plain first-maximum scan argmax must agree with.
std::int32_t first_max(const std::vector<float>& x) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    if (x[i] > x[best]) best = i;
  }
  return static_cast<std::int32_t>(best);
}

TEST(RmsNorm, MatchesOneRunningSumOnRandomLengths) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (std::size_t n : {1u, 15u, 16u, 17u, 64u, 896u, 2051u}) {
    std::vector<float> x(n), w(n), y(n);
    for (float& v : x) v = normal(rng);
    for (float& v : w) v = normal(rng);
    double sum_sq = 0;
    for (float v : x) sum_sq += static_cast<double>(v) * v;
    const double scale = 1.0 / std::sqrt(sum_sq / static_cast<double>(n) + 1e-5);
    rms_norm(x.data(), w.data(), 1e-5f, static_cast<std::int64_t>(n), y.data());
    for (std::size_t i = 0; i < n; ++i) {
      const double want = x[i] * scale * w[i];
      EXPECT_NEAR(y[i], want, 1e-6 * std::abs(want) + 1e-30) << n << " " << i;
    }
  }
}

TEST(Argmax, MatchesTheFirstMaximumOnRandomLengths) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (std::size_t n : {1u, 2u, 15u, 16u, 17u, 33u, 151936u}) {
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    EXPECT_EQ(argmax(x.data(), static_cast<std::int64_t>(n)), first_max(x)) << n;
  }
}

TEST(Argmax, TakesTheFirstOfEqualMaximaWhereverTheyFall) {
  std::vector<float> x(100, -1.0f);
  x[70] = 2.0f;
  x[37] = 2.0f;  // another lane of the 16, and the tail past the last full 16
  x[99] = 2.0f;
  EXPECT_EQ(argmax(x.data(), 100), 37);
  x.assign(100, 0.0f);
  EXPECT_EQ(argmax(x.data(), 100), 0);
  x.assign(40, -std::numeric_limits<float>::infinity());
  EXPECT_EQ(argmax(x.data(), 40), 0);
}

TEST(Argmax, NeverTakesNaN) {
  std::vector<float> x(40, 1.0f);
  x[0] = std::nanf("");
  x[21] = 5.0f;
  x[22] = std::nanf("");
  EXPECT_EQ(argmax(x.data(), 40), 21);
  x.assign(40, std::nanf(""));
  EXPECT_EQ(argmax(x.data(), 40), 0);
}

// A row cut into parts, merged in reverse order: the first of equal maxima still wins, NaN and -inf
// parts change nothing, and a row of NaN gives 0, as argmax does.
TEST(BestLogit, MergedPartsInAnyOrderGiveTheArgmaxOfTheRow) {
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  std::mt19937 rng(9);
  std::vector<float> random(1000);
  for (float& v : random) v = std::normal_distribution<float>(0.0f, 1.0f)(rng);
  std::vector<float> ties(1000, -1.0f);
  ties[900] = ties[401] = ties[400] = 3.0f;
  std::vector<float> mixed(1000, -inf);
  mixed[10] = nan;
  mixed[700] = -inf;
  const std::vector<std::vector<float>> rows{random, ties, mixed, std::vector<float>(1000, nan)};
  for (const std::vector<float>& x : rows) {
    BestLogit best;
    for (std::int64_t end = 1000; end > 0; end -= 96) best.merge(best_logit(x.data(), std::max<std::int64_t>(0, end - 96), end));
    EXPECT_EQ(best.token(), argmax(x.data(), 1000));
  }
  EXPECT_EQ(BestLogit{}.token(), 0);
}

}  // namespace
}  // namespace memwall::engine
