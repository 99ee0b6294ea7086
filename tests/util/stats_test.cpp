#include "memwall/util/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace memwall {
namespace {

TEST(Stats, SummaryOfKnownSample) {
  const std::vector<double> x{4, 1, 3, 2, 5};
  const Summary s = summarize(x);
  EXPECT_EQ(s.n, 5u);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(2.5));  // sample stddev of 1..5
  EXPECT_DOUBLE_EQ(s.cv, std::sqrt(2.5) / 3);
  EXPECT_DOUBLE_EQ(s.p90, 4.6);  // type 7: rank 0.9 * 4 = 3.6 -> 4 + 0.6
  EXPECT_DOUBLE_EQ(s.mad, 1);    // deviations 1,2,0,1,2 -> median 1
}

TEST(Stats, EmptyAndSingle) {
  EXPECT_EQ(summarize({}).n, 0u);
  const std::vector<double> one{7};
  const Summary s = summarize(one);
  EXPECT_DOUBLE_EQ(s.median, 7);
  EXPECT_DOUBLE_EQ(s.p99, 7);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
}

TEST(Stats, PercentileInterpolates) {
  const std::vector<double> sorted{10, 20, 30, 40};
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 0), 10);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 50), 25);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 100), 40);
}

TEST(Stats, MadFlagsOnlyTheOutlier) {
  const std::vector<double> x{10.0, 10.1, 9.9, 10.05, 9.95, 20.0};
  const std::vector<std::size_t> outliers = mad_outliers(x);
  ASSERT_EQ(outliers.size(), 1u);
  EXPECT_EQ(outliers[0], 5u);
}

TEST(Stats, MadOfConstantSampleFlagsNothing) {
  const std::vector<double> x{3, 3, 3, 3};
  EXPECT_TRUE(mad_outliers(x).empty());
}

}  // namespace
}  // namespace memwall
