#include "memwall/hw/thread_team.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "memwall/hw/topology.hpp"

namespace memwall::hw {
namespace {

TEST(ThreadTeam, EveryMemberRunsOncePerRun) {
  auto team = ThreadTeam::create({{}, {}, {}});  // unbound: runs anywhere, any core count
  ASSERT_TRUE(team.ok());
  std::vector<std::atomic<int>> calls(3);
  for (int run = 0; run < 300; ++run) {
    (*team)->run([&](unsigned member) { calls[member].fetch_add(1); });
  }
  for (auto& c : calls) EXPECT_EQ(c.load(), 300);
}

TEST(ThreadTeam, RunReturnsOnlyAfterAllMembersFinish) {
  auto team = ThreadTeam::create({{}, {}});
  ASSERT_TRUE(team.ok());
  const auto work = [](long n) {
    long x = 0;
    for (long i = 0; i < n; ++i) x += i % 7;
    return x;
  };
  const long expected_difference = work(20000) - work(10000);
  std::vector<long> out(2, 0);
  for (long run = 1; run <= 200; ++run) {
    (*team)->run([&](unsigned member) { out[member] = work(10000 * (member + 1)) + run; });
    EXPECT_EQ(out[1] - out[0], expected_difference);
  }
}

TEST(ThreadTeam, CoreTeamBindsMembersToTheirCores) {
  const Result<Topology> t = detect_topology();
  ASSERT_TRUE(t.ok());
  const std::vector<unsigned> caller_before = current_thread_binding();
  {
    auto team = make_core_team(t->physical_cores());
    ASSERT_TRUE(team.ok()) << team.error().message;
    std::vector<std::vector<unsigned>> seen(t->physical_cores());
    (*team)->run([&](unsigned member) { seen[member] = current_thread_binding(); });
    for (unsigned m = 0; m < seen.size(); ++m) EXPECT_EQ(seen[m], t->cores[m].pu_os_ids);
  }
  EXPECT_EQ(current_thread_binding(), caller_before) << "the caller's binding is restored";
}

TEST(ThreadTeam, TooManyThreadsIsAnError) {
  const Result<Topology> t = detect_topology();
  ASSERT_TRUE(t.ok());
  const auto team = make_core_team(t->physical_cores() + 1);
  ASSERT_FALSE(team.ok());
  EXPECT_NE(team.error().message.find("physical cores"), std::string::npos);
}

}  // namespace
}  // namespace memwall::hw
