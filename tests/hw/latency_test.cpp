#include "memwall/hw/latency.hpp"

#include <gtest/gtest.h>

#include "memwall/util/units.hpp"

namespace memwall::hw {
namespace {

TEST(Latency, ChaseOverASmallArrayIsPositiveAndFinite) {
  const Result<LatencyResult> r = measure_latency(2 * kMiB, 100'000, 2, 42);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GT(r->ns_per_load, 0);
  EXPECT_LT(r->ns_per_load, 10'000);
  EXPECT_EQ(r->loads, 100'000u);
}

TEST(Latency, TooSmallArrayIsAnError) {
  EXPECT_FALSE(measure_latency(64, 1000, 1, 1).ok());
}

}  // namespace
}  // namespace memwall::hw
