#include "memwall/hw/probe_json.hpp"

#include <gtest/gtest.h>

#include "memwall/hw/probe.hpp"
#include "memwall/util/units.hpp"
#include "support/schema.hpp"

namespace memwall::hw {
namespace {

// A record with real detection and small real measurements: fast, and every field filled.
ProbeResult small_probe() {
  ProbeResult r;
  r.memwall_version = "0.1.0";
  r.git_commit = "abc";
  r.build_type = "Release";
  r.timestamp_utc = "2026-11-22T10:00:00Z";
  r.cpu = detect_cpu();
  r.topology = *detect_topology();
  r.memory = detect_memory();
  r.gpus = detect_gpus();
  r.gpus.push_back({"Test GPU", "Test Vendor", 8 * kGiB, "hwloc-pci"});
  r.fingerprint = hardware_fingerprint(r.cpu, r.topology, r.memory);
  r.quick = true;
  r.duration_s = 1.5;
  BandwidthOptions options{2 * kMiB, 1, 1, {r.topology.physical_cores()}};
  r.bandwidth = *measure_bandwidth(options, {&generic_bandwidth_kernels()}, r.topology);
  r.latency = *measure_latency(kMiB, 10'000, 1, 7);
  r.latency.core_round_trip = CoreRoundTrip{98.5, 530.25};
  r.f32 = *measure_peak(runnable_f32_kernels(r.cpu.isa).back(), r.topology, 1, 1, 1.0);
  r.int8 = *measure_peak(runnable_int8_kernels(r.cpu.isa).back(), r.topology, 1, 1, 1.0);
  r.warnings = {"a warning"};
  return r;
}

TEST(ProbeJson, RecordMatchesSchema) {
  const nlohmann::json record = probe_to_json(small_probe());
  const Status valid = testing::validate_against_schema(record, "probe.schema.json");
  EXPECT_TRUE(valid.ok()) << valid.error().message;
}

TEST(ProbeJson, RoundTripsExactly) {
  const ProbeResult original = small_probe();
  const nlohmann::json record = probe_to_json(original);
  const Result<ProbeResult> parsed = probe_from_json(nlohmann::json::parse(record.dump()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(probe_to_json(*parsed), record);
  EXPECT_DOUBLE_EQ(parsed->read_gbps(), original.read_gbps());
}

// A record cached before the round trip between cores was measured still reads, without one; one
// machine of one core has none.
TEST(ProbeJson, RecordWithoutACoreRoundTripReadsWithNone) {
  nlohmann::json record = probe_to_json(small_probe());
  record["latency"].erase("core_round_trip_ns");
  const Result<ProbeResult> parsed = probe_from_json(record);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_FALSE(parsed->latency.core_round_trip.has_value());
  const nlohmann::json written = probe_to_json(*parsed);
  EXPECT_TRUE(written["latency"]["core_round_trip_ns"].is_null());
  const Status valid = testing::validate_against_schema(written, "probe.schema.json");
  EXPECT_TRUE(valid.ok()) << valid.error().message;
}

TEST(ProbeJson, SchemaRejectsABrokenRecord) {
  nlohmann::json record = probe_to_json(small_probe());
  record["bandwidth"]["points"][0]["kernel"] = "teleport";
  record.erase("memory");
  const Status valid = testing::validate_against_schema(record, "probe.schema.json");
  ASSERT_FALSE(valid.ok());
  EXPECT_NE(valid.error().message.find("memory"), std::string::npos);
}

TEST(ProbeJson, WrongVersionOrMissingFieldIsAnErrorNotACrash) {
  nlohmann::json record = probe_to_json(small_probe());
  record["schema_version"] = 99;
  EXPECT_FALSE(probe_from_json(record).ok());
  record = probe_to_json(small_probe());
  record["latency"].erase("ns_per_load");
  const Result<ProbeResult> parsed = probe_from_json(record);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("ns_per_load"), std::string::npos);
  EXPECT_FALSE(probe_from_json(nlohmann::json::array()).ok());
}

TEST(Fingerprint, StableAcrossCallsAndBlindToSmallMemoryDrift) {
  const Result<std::string> a = local_fingerprint(), b = local_fingerprint();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->size(), 16u);
  const CpuInfo cpu = detect_cpu();
  const Topology topology = *detect_topology();
  MemoryInfo memory = detect_memory();
  const std::string base = hardware_fingerprint(cpu, topology, memory);
  memory.total_bytes += 3 * kMiB;
  EXPECT_EQ(hardware_fingerprint(cpu, topology, memory), base);
  memory.total_bytes += 8 * kGiB;
  EXPECT_NE(hardware_fingerprint(cpu, topology, memory), base);
}

}  // namespace
}  // namespace memwall::hw
