#include "memwall/hw/bandwidth.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "memwall/hw/probe.hpp"
#include "memwall/util/units.hpp"

namespace memwall::hw {
namespace {

TEST(Bandwidth, SmallRunValidatesAndReportsEveryKernelAtEveryThreadCount) {
  const Result<Topology> t = detect_topology();
  ASSERT_TRUE(t.ok());
  BandwidthOptions options;
  options.array_bytes = 4 * kMiB;
  options.repetitions = 2;
  options.scaling_repetitions = 1;
  options.thread_counts = scaling_thread_counts(t->physical_cores());
  // Each table alone, then all together (the fastest is picked per kernel).
  std::vector<Candidates> runs;
  for (const BandwidthKernels* kernels : runnable_bandwidth_kernels(detect_cpu().isa)) {
    runs.push_back({kernels});
  }
  runs.push_back(runnable_bandwidth_kernels(detect_cpu().isa));
  for (const Candidates& candidates : runs) {
    const Result<BandwidthResult> r = measure_bandwidth(options, candidates, *t);
    ASSERT_TRUE(r.ok()) << r.error().message;
    for (unsigned threads : options.thread_counts) {
      for (const StreamKernelInfo& k : kStreamKernels) {
        const BandwidthPoint* p = r->find(k.name, threads);
        ASSERT_NE(p, nullptr) << k.name << " at " << threads;
        EXPECT_EQ(p->samples_gbps.size(), threads == options.thread_counts.back() ? 2u : 1u);
        EXPECT_GT(p->best_gbps, 0);
        const bool candidate = std::any_of(candidates.begin(), candidates.end(),
                                           [&](const BandwidthKernels* c) { return c->isa == p->isa; });
        EXPECT_TRUE(candidate) << p->isa;
        EXPECT_GE(p->best_gbps, p->median_gbps);
      }
    }
  }
}

TEST(Bandwidth, ThreadCountsAreValidated) {
  const Result<Topology> t = detect_topology();
  ASSERT_TRUE(t.ok());
  BandwidthOptions options;
  options.array_bytes = kMiB;
  options.thread_counts = {t->physical_cores() + 1};
  EXPECT_FALSE(measure_bandwidth(options, {&generic_bandwidth_kernels()}, *t).ok());
  options.thread_counts = {1};
  EXPECT_FALSE(measure_bandwidth(options, {}, *t).ok());
}

TEST(Bandwidth, ScalingCountsEndAtAllCores) {
  EXPECT_EQ(scaling_thread_counts(1), (std::vector<unsigned>{1}));
  EXPECT_EQ(scaling_thread_counts(2), (std::vector<unsigned>{1, 2}));
  EXPECT_EQ(scaling_thread_counts(6), (std::vector<unsigned>{1, 2, 4, 6}));
  EXPECT_EQ(scaling_thread_counts(8), (std::vector<unsigned>{1, 2, 4, 8}));
}

TEST(Bandwidth, ArraysAreAtLeastThirtyTwoTimesTheLastLevelCacheWhenMemoryAllows) {
  Topology t;
  t.caches.push_back({3, 32 * kMiB, {{0, 1}, {2, 3}}});  // 64 MiB in total
  EXPECT_EQ(bandwidth_array_bytes(t, 64 * kGiB, 0), 2 * kGiB);
  EXPECT_EQ(bandwidth_array_bytes(t, 64 * kGiB, 4 * kGiB), 4 * kGiB);
  EXPECT_EQ(bandwidth_array_bytes(t, 600 * kMiB, 0), 100 * kMiB) << "capped at a sixth of free";
}

TEST(Bandwidth, AReadThatSpreadsByMoreThanAFifthIsReportedAsUnsteady) {
  BandwidthPoint read{"read", "avx2", 2, {51.7, 45.0, 55.6}, 55.6, 51.7};
  const std::optional<std::string> warning = unsteady_read_warning(read);
  ASSERT_TRUE(warning.has_value());
  EXPECT_NE(warning->find("45.0 to 55.6 GB/s"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("--track-bandwidth"), std::string::npos) << *warning;
  read.samples_gbps = {50.0, 55.0, 52.0};  // within 10%
  EXPECT_FALSE(unsteady_read_warning(read).has_value());
  read.samples_gbps = {30.0};  // one sample says nothing of spread
  EXPECT_FALSE(unsteady_read_warning(read).has_value());
}

TEST(ComputePeak, APeakThatSpreadsByMoreThanAFifthIsReportedAsUnsteady) {
  PeakResult int8{"int8-dot", "avx512-vnni", 2, {2100.4, 1013.2, 2050.0}, 2100.4, 2050.0};
  const std::optional<std::string> warning = unsteady_peak_warning(int8);
  ASSERT_TRUE(warning.has_value());
  EXPECT_NE(warning->find("int8-dot peak ran at 1013 to 2100 GOPS"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("--track-bandwidth"), std::string::npos) << *warning;
  PeakResult f32{"f32-fma", "avx512", 2, {510.0, 400.0}, 510.0, 455.0};
  ASSERT_TRUE(unsteady_peak_warning(f32).has_value());
  EXPECT_NE(unsteady_peak_warning(f32)->find("400 to 510 GFLOPS"), std::string::npos);
  f32.samples_gops = {510.0, 480.0};  // within 10%
  EXPECT_FALSE(unsteady_peak_warning(f32).has_value());
  f32.samples_gops = {300.0};
  EXPECT_FALSE(unsteady_peak_warning(f32).has_value());
}

}  // namespace
}  // namespace memwall::hw
