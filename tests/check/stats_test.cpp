#include "memwall/check/stats.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <vector>

namespace memwall::check {
namespace {

std::vector<double> draw(Rng& rng, int n, double center, double sd) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (double& x : v) x = center + sd * rng.normal();
  return v;
}

// Small integers: many ties.
std::vector<double> draw_ties(Rng& rng, int n, int levels) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (double& x : v) x = static_cast<double>(rng.below(static_cast<std::size_t>(levels)));
  return v;
}

// The permutation p-values by enumerating every split of the pooled values into groups of the
// original sizes: the definition the exact test must equal, ties included.
MannWhitney brute_force(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> pooled(a);
  pooled.insert(pooled.end(), b.begin(), b.end());
  const std::size_t n = pooled.size();
  auto u_of = [&](unsigned mask) {
    double u = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (((mask >> i) & 1u) == 0) continue;
      for (std::size_t j = 0; j < n; ++j) {
        if (((mask >> j) & 1u) != 0) continue;
        u += pooled[i] > pooled[j] ? 1.0 : pooled[i] == pooled[j] ? 0.5 : 0.0;
      }
    }
    return u;
  };
  const double observed = u_of((1u << a.size()) - 1);
  double total = 0, at_most = 0, at_least = 0;
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<std::size_t>(std::popcount(mask)) != a.size()) continue;
    const double u = u_of(mask);
    total += 1;
    at_most += u <= observed + 1e-9;
    at_least += u >= observed - 1e-9;
  }
  MannWhitney m;
  m.u_a = observed;
  m.p_less = at_most / total;
  m.p_greater = at_least / total;
  return m;
}

TEST(CheckRng, SameSeedSameSequenceOtherSeedOtherSequence) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(CheckRng, BelowIsInRangeAndUniform) {
  Rng rng(7);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) {
    const std::size_t k = rng.below(6);
    ASSERT_LT(k, 6u);
    ++counts[k];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
}

TEST(CheckRng, NormalHasMeanZeroAndUnitVariance) {
  Rng rng(11);
  double sum = 0, sum_sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal();
    sum += x;
    sum_sq += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum_sq / n, 1.0, 0.01);
}

TEST(CheckStats, NormalCdf) {
  EXPECT_NEAR(normal_cdf(0), 0.5, 1e-15);
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-12);
  EXPECT_NEAR(normal_cdf(-1.6448536269514722), 0.05, 1e-12);
}

TEST(CheckStats, PercentileIsType7) {
  const std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(percentile(v, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile(v, 90), 3.7);
  EXPECT_DOUBLE_EQ(percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 4);
  EXPECT_DOUBLE_EQ(percentile(std::vector<double>{5}, 99), 5);
}

TEST(MannWhitney, CompleteSeparationHasTheSmallestExactP) {
  const std::vector<double> low = {1, 2, 3, 4, 5}, high = {6, 7, 8, 9, 10};
  const MannWhitney m = mann_whitney(low, high);
  EXPECT_TRUE(m.exact);
  EXPECT_EQ(m.u_a, 0);
  EXPECT_DOUBLE_EQ(m.p_less, 1.0 / 252);  // one split of C(10, 5)
  EXPECT_DOUBLE_EQ(m.p_greater, 1.0);
  const MannWhitney three =
      mann_whitney(std::vector<double>{1, 2, 3}, std::vector<double>{4, 5, 6});
  EXPECT_DOUBLE_EQ(three.p_less, 1.0 / 20);  // so 3 repetitions a side can reach p <= 0.05
}

TEST(MannWhitney, UCountsPairs) {
  const std::vector<double> a = {3, 5, 5, 9}, b = {1, 5, 7};
  // Pairs with a > b: 3>1, 5>1 (twice), 9>1, 9>5, 9>7; the two 5=5 ties count one half each.
  EXPECT_DOUBLE_EQ(mann_whitney(a, b).u_a, 6 + 2 * 0.5);
}

TEST(MannWhitney, ExactEqualsEnumerationWithTies) {
  Rng rng(2024);
  for (int trial = 0; trial < 300; ++trial) {
    const int n_a = 1 + static_cast<int>(rng.below(6)), n_b = 1 + static_cast<int>(rng.below(6));
    const std::vector<double> a = draw_ties(rng, n_a, 4), b = draw_ties(rng, n_b, 4);
    const MannWhitney exact = mann_whitney(a, b, MannWhitneyMethod::Exact);
    const MannWhitney reference = brute_force(a, b);
    ASSERT_DOUBLE_EQ(exact.u_a, reference.u_a) << "trial " << trial;
    ASSERT_NEAR(exact.p_less, reference.p_less, 1e-12) << "trial " << trial;
    ASSERT_NEAR(exact.p_greater, reference.p_greater, 1e-12) << "trial " << trial;
  }
}

TEST(MannWhitney, NormalApproximationIsCloseToExactForModerateSamples) {
  Rng rng(99);
  for (int trial = 0; trial < 50; ++trial) {
    const std::vector<double> a = draw(rng, 20, 0.0, 1.0), b = draw(rng, 20, 0.5, 1.0);
    const MannWhitney exact = mann_whitney(a, b, MannWhitneyMethod::Exact);
    const MannWhitney normal = mann_whitney(a, b, MannWhitneyMethod::Normal);
    EXPECT_FALSE(normal.exact);
    EXPECT_NEAR(exact.p_less, normal.p_less, 0.01) << "trial " << trial;
    EXPECT_NEAR(exact.p_greater, normal.p_greater, 0.01) << "trial " << trial;
  }
}

TEST(MannWhitney, AutoSwitchesToTheApproximationForLargeSamples) {
  Rng rng(5);
  const std::vector<double> a = draw(rng, 200, 0.0, 1.0), b = draw(rng, 200, 0.0, 1.0);
  const MannWhitney m = mann_whitney(a, b);
  EXPECT_FALSE(m.exact);
  EXPECT_GT(m.p_less, 0.0);
  EXPECT_LE(m.p_less, 1.0);
}

TEST(MannWhitney, AllTiedGivesNoEvidence) {
  const std::vector<double> same(30, 7.0);
  for (MannWhitneyMethod method : {MannWhitneyMethod::Exact, MannWhitneyMethod::Normal}) {
    const MannWhitney m = mann_whitney(same, same, method);
    EXPECT_DOUBLE_EQ(m.p_less, 1.0);
    EXPECT_DOUBLE_EQ(m.p_greater, 1.0);
  }
}

// Under no difference the one-sided test rejects at most alpha of the time (exact: at most, as
// the discrete distribution rarely has a value exactly at alpha).
TEST(MannWhitney, FalsePositiveRateUnderTheNullIsAtMostAlpha) {
  Rng rng(31337);
  int rejections = 0;
  const int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    const std::vector<double> a = draw(rng, 5, 100, 3), b = draw(rng, 5, 100, 3);
    rejections += mann_whitney(a, b).p_less <= 0.05;
  }
  EXPECT_LE(rejections, trials * 0.05 + 3 * std::sqrt(trials * 0.05));
}

TEST(HodgesLehmann, MedianOfPairwiseRatios) {
  // Ratios 2/1, 2/2, 4/1, 4/2 = 2, 1, 4, 2: median 2.
  EXPECT_DOUBLE_EQ(hodges_lehmann_ratio(std::vector<double>{2, 4}, std::vector<double>{1, 2}), 2.0);
  const std::vector<double> base = {100, 101, 99, 102, 98};
  std::vector<double> scaled = base;
  for (double& x : scaled) x *= 0.9;
  EXPECT_NEAR(hodges_lehmann_ratio(scaled, base), 0.9, 0.01);
  // One wild repetition moves it little.
  std::vector<double> outlier = scaled;
  outlier[0] = 10;
  EXPECT_NEAR(hodges_lehmann_ratio(outlier, base), 0.9, 0.01);
}

// With five repetitions a side, the change estimated from all 25 ratios is steadier than the
// ratio of the two medians: fewer misses of a planted 10% drop against a 5% tolerance.
TEST(HodgesLehmann, SteadierThanTheRatioOfMediansForFewRepetitions) {
  Rng rng(77);
  int miss_hl = 0, miss_medians = 0;
  for (int t = 0; t < 20000; ++t) {
    std::vector<double> base = draw(rng, 5, 100, 3), cur = draw(rng, 5, 90, 3);
    miss_hl += hodges_lehmann_ratio(cur, base) > 0.95;
    miss_medians += percentile(cur, 50) / percentile(base, 50) > 0.95;
  }
  EXPECT_LT(miss_hl, miss_medians);
}

TEST(Bootstrap, SameSeedSameIntervalOtherSeedOther) {
  Rng rng(1);
  const std::vector<double> base = draw(rng, 40, 100, 5), cur = draw(rng, 40, 95, 5);
  const Interval a = bootstrap_ratio_interval(base, cur, 50);
  const Interval b = bootstrap_ratio_interval(base, cur, 50);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  BootstrapOptions other;
  other.seed = 2;
  const Interval c = bootstrap_ratio_interval(base, cur, 50, other);
  EXPECT_TRUE(c.low != a.low || c.high != a.high);
  EXPECT_LT(a.low, a.high);
}

TEST(Bootstrap, SeparatesAClearShiftAndContainsNoShift) {
  Rng rng(3);
  const std::vector<double> base = draw(rng, 200, 100, 3), slower = draw(rng, 200, 90, 3),
                            same = draw(rng, 200, 100, 3);
  const Interval shifted = bootstrap_ratio_interval(base, slower, 50);
  EXPECT_LT(shifted.high, 1.0);
  const double observed = percentile(slower, 50) / percentile(base, 50);
  EXPECT_LT(shifted.low, observed);
  EXPECT_GT(shifted.high, observed);
  EXPECT_NEAR(observed, 0.9, 0.02);
  const Interval flat = bootstrap_ratio_interval(base, same, 50);
  EXPECT_LT(flat.low, 1.0);
  EXPECT_GT(flat.high, 1.0);
  const Interval tail = bootstrap_ratio_interval(base, slower, 99);
  EXPECT_LT(tail.high, 1.0);
}

TEST(Bootstrap, CoversTheTrueMedianRatioAboutAsOftenAsClaimed) {
  Rng rng(8);
  BootstrapOptions options;
  options.resamples = 1000;
  int covered = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    const std::vector<double> base = draw(rng, 60, 100, 4), cur = draw(rng, 60, 104, 4);
    const Interval i = bootstrap_ratio_interval(base, cur, 50, options);
    covered += i.low <= 1.04 && 1.04 <= i.high;
  }
  EXPECT_GE(covered, trials * 0.88);
  EXPECT_LE(covered, trials * 0.995);
}

TEST(Bootstrap, ZeroBaselineGivesNoNaN) {
  const std::vector<double> zeros = {0, 0, 0}, some = {1, 2, 3};
  const Interval i = bootstrap_ratio_interval(zeros, some, 50);
  EXPECT_FALSE(std::isnan(i.low));
  EXPECT_FALSE(std::isnan(i.high));
  const Interval both = bootstrap_ratio_interval(zeros, zeros, 50);
  EXPECT_EQ(both.low, 1.0);
  EXPECT_EQ(both.high, 1.0);
}

}  // namespace
}  // namespace memwall::check
