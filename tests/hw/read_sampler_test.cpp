#include "memwall/hw/read_sampler.hpp"

#include <gtest/gtest.h>

#include "memwall/hw/bandwidth.hpp"
#include "memwall/util/units.hpp"

namespace memwall::hw {
namespace {

TEST(ReadSampler, EveryKernelTableReadsTheWholeBufferAndReportsGbPerSecond) {
  const unsigned cores = detect_topology()->physical_cores();
  for (const BandwidthKernels* kernels : runnable_bandwidth_kernels(detect_cpu().isa)) {
    Result<std::unique_ptr<ReadSampler>> sampler = ReadSampler::create(cores, 4 * kMiB + 40, *kernels);
    ASSERT_TRUE(sampler.ok()) << sampler.error().message;
    EXPECT_EQ((*sampler)->buffer_bytes(), 4 * kMiB);  // whole 64-byte lines
    const Result<double> once = (*sampler)->sample_gbps(0);  // one pass
    ASSERT_TRUE(once.ok()) << kernels->isa << ": " << once.error().message;
    EXPECT_GT(*once, 0);
    const Result<double> longer = (*sampler)->sample_gbps(0.02);  // passes until 20 ms have gone
    ASSERT_TRUE(longer.ok()) << longer.error().message;
    EXPECT_GT(*longer, 0);
  }
}

TEST(ReadSampler, MoreThreadsThanCoresOrATinyBufferAreErrors) {
  const unsigned cores = detect_topology()->physical_cores();
  const Result<std::unique_ptr<ReadSampler>> too_many = ReadSampler::create(cores + 1, kMiB, generic_bandwidth_kernels());
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().message.find("physical cores"), std::string::npos);
  EXPECT_FALSE(ReadSampler::create(1, 8, generic_bandwidth_kernels()).ok());
}

}  // namespace
}  // namespace memwall::hw
