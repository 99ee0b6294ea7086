#include "memwall/hw/compute_peak.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace memwall::hw {
namespace {

std::vector<PeakKernel> all_runnable() {
  const IsaFeatures isa = detect_cpu().isa;
  std::vector<PeakKernel> kernels = runnable_f32_kernels(isa);
  for (const PeakKernel& k : runnable_int8_kernels(isa)) kernels.push_back(k);
  return kernels;
}

TEST(ComputeKernels, EveryRunnableKernelReturnsAFiniteDeterministicValue) {
  for (const PeakKernel& k : all_runnable()) {
    const double a = k.run(1000, 0.999f), b = k.run(1000, 0.999f);
    EXPECT_TRUE(std::isfinite(a)) << k.isa;
    EXPECT_EQ(a, b) << k.isa;
    EXPECT_NE(k.run(1000, 0.5f), a) << k.isa << ": result ignores its input";
    EXPECT_GT(k.ops_per_iteration, 0);
  }
}

TEST(ComputeKernels, ScalarFallbacksAreAlwaysLast) {
  const IsaFeatures none;
  ASSERT_EQ(runnable_f32_kernels(none).size(), 1u);
  EXPECT_EQ(runnable_f32_kernels(none).back().isa, "scalar");
  EXPECT_EQ(runnable_int8_kernels(none).back().isa, "scalar");
}

TEST(ComputePeak, MeasuresPositiveRate) {
  const Result<Topology> t = detect_topology();
  ASSERT_TRUE(t.ok());
  for (const PeakKernel& k : all_runnable()) {
    const Result<PeakResult> r = measure_peak(k, *t, 1, 2, 2.0);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->samples_gops.size(), 2u);
    EXPECT_GT(r->best_gops, 0) << k.isa;
    EXPECT_EQ(r->isa, k.isa);
  }
}

}  // namespace
}  // namespace memwall::hw
