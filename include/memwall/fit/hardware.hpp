#pragma once
// The machine `fit` reasons about: a hardware profile (profiles/hardware/*.json, compiled into the
// binary), an inline description given on the command line, or this machine's cached probe. Plain
// numbers: capacity, bandwidth, compute peak, and the efficiencies that turn peaks into speed.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "memwall/fit/efficiency.hpp"
#include "memwall/hw/probe.hpp"
#include "memwall/util/result.hpp"

namespace memwall::fit {

struct Hardware {
  std::string name;          // profile name, "local", or "inline"
  std::string display_name;
  DeviceClass device_class = DeviceClass::cpu;
  std::uint64_t memory_bytes = 0;      // what the device computes from: VRAM, unified memory or RAM
  std::uint64_t os_reserve_bytes = 0;  // of that, what the OS, display and other programs keep
  double bandwidth_gbps = 0;           // 1e9 bytes/s
  std::string bandwidth_basis;         // "spec" (vendor figure) or "measured" (memwall probe)
  // The peak prefill divides by: dense 16-bit matrix TFLOPS for GPUs, f32 FMA TFLOPS for CPUs.
  double compute_tflops = 0;
  std::string compute_basis;
  std::optional<double> int8_tops;  // CPUs: quantized weights run on int8 dot products
  std::optional<double> power_w;
  std::optional<double> price_usd;
  std::string source;
  std::string fingerprint;  // local only: the probe's hardware fingerprint
  // A cache line's round trip between the cores farthest apart (local: the probe's; a bench
  // record's: around its run); 0 = not known. Efficiency::overhead_us_per_layer takes it.
  double core_round_trip_ns = 0;
  Efficiency efficiency;    // class default, or this machine's calibration
};

// The peak that bounds prefill for weights of this kind: a CPU multiplies quantized weights with
// int8 dot products (memwall's engine and llama.cpp both quantize activations to 8 bits).
double compute_peak_tflops(const Hardware& hw, bool quantized_weights);

// Every embedded profile, sorted by name; errors name the file and field.
Result<std::vector<Hardware>> load_hardware_profiles();
Result<Hardware> hardware_from_json(const nlohmann::json& profile);
// A profile by name; the error lists the names there are.
Result<Hardware> find_hardware(std::string_view name);

// "bw=273,mem=48,tflops=30,class=apple-gpu[,reserve=6,int8=..,watts=..,price=..,name=..]".
// bw in GB/s, mem and reserve in GiB, tflops/int8 in T(FL)OPS. Errors name the bad field.
Result<Hardware> parse_inline_hardware(std::string_view text);
bool looks_inline(std::string_view text);  // has '=': parse errors are then usage errors

// This machine from its probe: measured read bandwidth and compute peaks; memory the OS and
// other programs held when the probe ran counts as reserved. Efficiency: the class default.
Hardware hardware_from_probe(const hw::ProbeResult& probe);

// This machine: its cached probe with its calibration when there is one. Without a cached probe,
// a quick one is run and cached when `probe_if_missing`, else the error says how to make one.
Result<Hardware> local_hardware(bool probe_if_missing);

nlohmann::json hardware_to_json(const Hardware& hw);

}  // namespace memwall::fit
