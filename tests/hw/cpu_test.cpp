#include "memwall/hw/cpu.hpp"

#include <gtest/gtest.h>

namespace memwall::hw {
namespace {

TEST(Cpu, DetectsModelAndArchitecture) {
  const CpuInfo cpu = detect_cpu();
  EXPECT_FALSE(cpu.model.empty());
  EXPECT_FALSE(cpu.vendor.empty());
#if defined(__x86_64__)
  EXPECT_EQ(cpu.arch, "x86_64");
  EXPECT_TRUE(cpu.isa.sse42) << "every x86-64 CPU memwall supports has SSE4.2";
  EXPECT_FALSE(cpu.isa.neon);
#elif defined(__aarch64__)
  EXPECT_EQ(cpu.arch, "aarch64");
  EXPECT_TRUE(cpu.isa.neon);
#endif
}

TEST(Cpu, FeatureImplicationsHold) {
  const IsaFeatures isa = detect_cpu().isa;
  if (isa.avx2) {
    EXPECT_TRUE(isa.avx);
  }
  if (isa.avx512bw || isa.avx512vl || isa.avx512vnni) {
    EXPECT_TRUE(isa.avx512f);
  }
}

TEST(Cpu, NamesRoundTripThroughSet) {
  const IsaFeatures detected = detect_cpu().isa;
  IsaFeatures rebuilt;
  for (const std::string& name : detected.names()) EXPECT_TRUE(rebuilt.set(name, true)) << name;
  EXPECT_EQ(rebuilt.names(), detected.names());
  EXPECT_FALSE(rebuilt.set("not-a-feature", true));
}

}  // namespace
}  // namespace memwall::hw
