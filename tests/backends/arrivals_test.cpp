#include "memwall/backends/arrivals.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace memwall::backends {
namespace {

TEST(Arrivals, ClosedLoopReleasesOneRequestPerFreeUser) {
  Arrivals a = Arrivals::closed(5, 2);
  std::vector<Release> first = a.take(100, 0);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].index, 0);
  EXPECT_EQ(first[1].index, 1);
  EXPECT_EQ(first[1].scheduled_ns, 100);
  EXPECT_TRUE(a.take(150, 2).empty());  // both users busy
  EXPECT_EQ(a.next_due_ns(2), Arrivals::kNever);
  std::vector<Release> next = a.take(200, 1);  // one finished
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].index, 2);
  EXPECT_EQ(next[0].scheduled_ns, 200);
  EXPECT_EQ(a.take(300, 0).size(), 2u);
  EXPECT_TRUE(a.all_released());
}

TEST(Arrivals, OpenLoopIsPoissonAtTheRateAndTheSameForASeed) {
  const std::int64_t n = 20000;
  Arrivals a = Arrivals::open(n, 50.0, 0, 42, 0);
  Arrivals b = Arrivals::open(n, 50.0, 0, 42, 0);
  const std::vector<Release> all = a.take(std::int64_t{1} << 62, 0);
  ASSERT_EQ(static_cast<std::int64_t>(all.size()), n);
  EXPECT_EQ(all.back().scheduled_ns, b.take(std::int64_t{1} << 62, 0).back().scheduled_ns);
  // Mean gap 1/50 s = 20 ms; gaps of an exponential distribution have stddev = mean.
  const double mean_gap_s = static_cast<double>(all.back().scheduled_ns) * 1e-9 / static_cast<double>(n);
  EXPECT_NEAR(mean_gap_s, 0.020, 0.020 * 0.03);
  double sq = 0;
  for (std::size_t i = 1; i < all.size(); ++i) {
    const double gap = static_cast<double>(all[i].scheduled_ns - all[i - 1].scheduled_ns) * 1e-9 - mean_gap_s;
    sq += gap * gap;
  }
  EXPECT_NEAR(std::sqrt(sq / static_cast<double>(n - 2)), 0.020, 0.020 * 0.05);
  Arrivals other = Arrivals::open(n, 50.0, 0, 43, 0);
  EXPECT_NE(other.take(std::int64_t{1} << 62, 0).back().scheduled_ns, all.back().scheduled_ns);
}

TEST(Arrivals, OpenLoopArrivalsWaitForTheCapButKeepTheirArrivalTime) {
  Arrivals a = Arrivals::open(3, 1000.0, 1, 7, 0);
  const std::int64_t due0 = a.next_due_ns(0);
  EXPECT_GT(due0, 0);
  EXPECT_TRUE(a.take(due0 - 1, 0).empty());
  const std::int64_t late = std::int64_t{10} * 1'000'000'000;  // all three have arrived by now
  std::vector<Release> r = a.take(late, 0);
  ASSERT_EQ(r.size(), 1u);  // the cap
  EXPECT_EQ(r[0].scheduled_ns, due0);
  EXPECT_EQ(a.next_due_ns(1), Arrivals::kNever);
  r = a.take(late, 0);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_LT(r[0].scheduled_ns, late);
  EXPECT_EQ(r[0].index, 1);
  EXPECT_FALSE(a.all_released());
  EXPECT_EQ(a.take(late, 0).size(), 1u);
  EXPECT_TRUE(a.all_released());
}

}  // namespace
}  // namespace memwall::backends
