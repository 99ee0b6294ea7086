#include <gtest/gtest.h>

#include "memwall/fit/hardware.hpp"
#include "memwall/hw/probe.hpp"
#include "memwall/util/units.hpp"

namespace memwall::fit {
namespace {

TEST(FitInlineHardware, ParsesEveryField) {
  const Result<Hardware> hw =
      parse_inline_hardware("bw=273,mem=48,tflops=7.5,class=apple-gpu,reserve=6,int8=15,watts=70,price=1799,name=mini");
  ASSERT_TRUE(hw.ok()) << hw.error().message;
  EXPECT_EQ(hw->name, "mini");
  EXPECT_EQ(hw->device_class, DeviceClass::apple_gpu);
  EXPECT_DOUBLE_EQ(hw->bandwidth_gbps, 273);
  EXPECT_EQ(hw->memory_bytes, 48 * kGiB);
  EXPECT_EQ(hw->os_reserve_bytes, 6 * kGiB);
  EXPECT_DOUBLE_EQ(hw->compute_tflops, 7.5);
  EXPECT_DOUBLE_EQ(*hw->int8_tops, 15);
  EXPECT_DOUBLE_EQ(*hw->power_w, 70);
  EXPECT_DOUBLE_EQ(*hw->price_usd, 1799);
  // The class's default efficiencies come with it.
  EXPECT_DOUBLE_EQ(hw->efficiency.decode_bandwidth, default_efficiency(DeviceClass::apple_gpu).decode_bandwidth);
}

TEST(FitInlineHardware, ClassDefaultsToCpu) {
  const Result<Hardware> hw = parse_inline_hardware("bw=90,mem=64,tflops=2");
  ASSERT_TRUE(hw.ok()) << hw.error().message;
  EXPECT_EQ(hw->device_class, DeviceClass::cpu);
}

// Each bad string and a word its error must contain: the field at fault.
TEST(FitInlineHardware, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"bw=fast,mem=48,tflops=1", "bw"},
      {"bw=273,mem=-4,tflops=1", "mem"},
      {"bw=273,mem=48,tflops=0", "tflops"},
      {"bw=273,mem=48,tflops=1x", "tflops"},
      {"bw=273,mem=48", "tflops"},
      {"mem=48,tflops=1", "bw"},
      {"bw=273,mem=48,tflops=1,class=gpu", "class"},
      {"bw=273,mem=48,tflops=1,colour=red", "colour"},
      {"bw=273,mem=48,tflops=1,reserve=64", "reserve"},
      {"bw=273,mem,tflops=1", "mem"},
  };
  for (const auto& [text, field] : cases) {
    const Result<Hardware> hw = parse_inline_hardware(text);
    ASSERT_FALSE(hw.ok()) << text;
    EXPECT_NE(hw.error().message.find(field), std::string::npos) << text << ": " << hw.error().message;
  }
}

TEST(FitInlineHardware, TellsInlineFromNames) {
  EXPECT_TRUE(looks_inline("bw=1"));
  EXPECT_FALSE(looks_inline("rtx-4090"));
}

TEST(FitHardware, UnknownNameListsTheProfiles) {
  const Result<Hardware> hw = find_hardware("cray-1");
  ASSERT_FALSE(hw.ok());
  EXPECT_NE(hw.error().message.find("cray-1"), std::string::npos);
  EXPECT_NE(hw.error().message.find("rtx-4090"), std::string::npos);
}

TEST(FitHardware, CpuPeakForQuantizedWeightsIsInt8) {
  Hardware hw = parse_inline_hardware("bw=90,mem=64,tflops=2,int8=8,class=cpu").value();
  EXPECT_DOUBLE_EQ(compute_peak_tflops(hw, true), 8);
  EXPECT_DOUBLE_EQ(compute_peak_tflops(hw, false), 2);
  hw.device_class = DeviceClass::nvidia_consumer;  // GPUs: the 16-bit matrix peak, as fitted
  EXPECT_DOUBLE_EQ(compute_peak_tflops(hw, true), 2);
}

// The probe's round trip between the cores farthest apart is the one the local machine's step
// overhead is taken at; a probe without one (one core, or written before it) leaves it unknown.
TEST(FitHardware, TheLocalMachineTakesTheProbesFarthestRoundTrip) {
  hw::ProbeResult probe;
  EXPECT_EQ(hardware_from_probe(probe).core_round_trip_ns, 0.0);
  probe.latency.core_round_trip = hw::CoreRoundTrip{110, 530};
  const Hardware local = hardware_from_probe(probe);
  EXPECT_EQ(local.core_round_trip_ns, 530.0);
  EXPECT_EQ(hardware_to_json(local)["core_round_trip_ns"], 530.0);
}

}  // namespace
}  // namespace memwall::fit
