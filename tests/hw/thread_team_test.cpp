#include "memwall/hw/thread_team.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
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

TEST(SpinBarrier, NoMemberPassesBeforeAllArrive) {
  auto team = ThreadTeam::create({{}, {}, {}});
  ASSERT_TRUE(team.ok());
  SpinBarrier barrier(3);
  std::vector<int> phase_counts(50, 0);
  std::atomic<int> arrived{0};
  (*team)->run([&](unsigned) {
    for (int phase = 0; phase < 50; ++phase) {
      arrived.fetch_add(1);
      barrier.wait();
      // Every member of this phase arrived before anyone got here.
      if (arrived.load() < 3 * (phase + 1)) phase_counts[phase] = -1000;
      barrier.wait();
    }
  });
  for (int c : phase_counts) EXPECT_EQ(c, 0);
  EXPECT_EQ(arrived.load(), 150);
}

// A member that arrives first calls idle() while it waits, until idle() says it is done; the one
// that arrives last never does; and the barrier still holds everyone until all have arrived.
TEST(SpinBarrier, AnEarlyMemberFillsItsWaitUntilIdleIsDone) {
  auto team = ThreadTeam::create({{}, {}});
  ASSERT_TRUE(team.ok());
  SpinBarrier barrier(2);
  std::atomic<bool> late_arrived{false};
  int idle_calls = 0, idle_calls_after_done = 0, late_idle_calls = 0;
  bool passed_early = false;
  (*team)->run([&](unsigned member) {
    if (member == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      late_arrived = true;
      barrier.wait([&] { return ++late_idle_calls, true; });
      return;
    }
    bool done = false;
    barrier.wait([&] {
      if (done) ++idle_calls_after_done;
      done = ++idle_calls == 5;
      return !done;
    });
    passed_early = !late_arrived.load();
  });
  EXPECT_EQ(idle_calls, 5);
  EXPECT_EQ(idle_calls_after_done, 0);
  EXPECT_EQ(late_idle_calls, 0);
  EXPECT_FALSE(passed_early);
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
