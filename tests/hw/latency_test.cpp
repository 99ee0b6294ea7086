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

// Two unbound threads hand a line back and forth: a time per round trip, above zero and below a
// tenth of a second (few round trips, so that a machine of one CPU, where each hand-over waits for
// the other thread's turn, still finishes).
TEST(CoreRoundTrip, TwoMembersHandALineBackAndForth) {
  const auto team = ThreadTeam::create({{}, {}}).value();
  const Result<double> ns = measure_round_trip(*team, 200, 3);
  ASSERT_TRUE(ns.ok()) << ns.error().message;
  EXPECT_GT(*ns, 0);
  EXPECT_LT(*ns, 1e8);
}

TEST(CoreRoundTrip, NeedsTwoMembersAndSomeRoundTrips) {
  const auto alone = ThreadTeam::create({{}}).value();
  EXPECT_FALSE(measure_round_trip(*alone, 200, 3).ok());
  const auto two = ThreadTeam::create({{}, {}}).value();
  EXPECT_FALSE(measure_round_trip(*two, 0, 3).ok());
  EXPECT_FALSE(measure_round_trip(*two, 200, 0).ok());
}

// Every core but the first against the first: nearest no farther than farthest; none on one core.
TEST(CoreRoundTrip, NearestAndFarthestOfTheOtherCores) {
  const Topology topology = *detect_topology();
  const auto cores = measure_core_round_trips(topology, 200, 1);
  ASSERT_TRUE(cores.ok()) << cores.error().message;
  ASSERT_EQ(cores->has_value(), topology.cores.size() > 1);
  if (*cores) {
    EXPECT_LE((*cores)->nearest_ns, (*cores)->farthest_ns);
  }
  Topology one = topology;
  one.cores.resize(1);
  EXPECT_FALSE(measure_core_round_trips(one, 200, 1)->has_value());
}

}  // namespace
}  // namespace memwall::hw
