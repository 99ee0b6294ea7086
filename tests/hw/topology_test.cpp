#include "memwall/hw/topology.hpp"

#include <gtest/gtest.h>

#include <set>

#include "memwall/hw/memory.hpp"

namespace memwall::hw {
namespace {

TEST(Topology, IsSane) {
  const Result<Topology> t = detect_topology();
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_GE(t->packages, 1u);
  EXPECT_GE(t->physical_cores(), 1u);
  EXPECT_GE(t->hardware_threads, t->physical_cores());
  std::set<unsigned> pus;
  for (const Core& core : t->cores) {
    EXPECT_FALSE(core.pu_os_ids.empty());
    for (unsigned id : core.pu_os_ids) EXPECT_TRUE(pus.insert(id).second) << "PU in two cores";
  }
  EXPECT_EQ(pus.size(), t->hardware_threads);
}

TEST(Topology, CachesHaveSizesOrAreUnknownAndCoverEveryCore) {
  const Result<Topology> t = detect_topology();
  ASSERT_TRUE(t.ok());
  unsigned previous_level = 0;
  for (const CacheLevel& level : t->caches) {
    EXPECT_GT(level.level, previous_level);
    previous_level = level.level;
    EXPECT_FALSE(level.instance_cores.empty());
    std::set<unsigned> covered;
    for (const auto& cores : level.instance_cores) covered.insert(cores.begin(), cores.end());
    EXPECT_EQ(covered.size(), t->physical_cores()) << "L" << level.level;
  }
  // Unknown caches report 0 bytes and then the total is 0 too; known ones are positive.
  if (!t->caches.empty() && t->caches.back().size_bytes > 0) {
    EXPECT_GT(t->last_level_cache_total_bytes(), 0u);
  }
}

TEST(Topology, BindingToACoreIsObserved) {
  const Result<Topology> t = detect_topology();
  ASSERT_TRUE(t.ok());
  const std::vector<unsigned> before = current_thread_binding();
  const std::vector<unsigned>& target = t->cores.back().pu_os_ids;
  ASSERT_TRUE(bind_current_thread(target).ok());
  EXPECT_EQ(current_thread_binding(), target);
  ASSERT_TRUE(bind_current_thread(before).ok());
}

TEST(Memory, TotalsAreConsistent) {
  const MemoryInfo m = detect_memory();
  EXPECT_GT(m.total_bytes, 0u);
  EXPECT_GT(m.available_bytes, 0u);
  EXPECT_LE(m.available_bytes, m.total_bytes);
  EXPECT_GE(m.page_size_bytes, 4096u);
  EXPECT_FALSE(m.transparent_huge_pages.empty());
}

}  // namespace
}  // namespace memwall::hw
